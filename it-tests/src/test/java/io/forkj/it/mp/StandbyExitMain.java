package io.forkj.it.mp;

import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.StartMethod;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A parent JVM for {@link MpStandbyExitIT}: fills the standby pool, optionally hands one process to it (so a
 * replacement is starting), prints "ready", waits for a line on stdin and returns from main: a normal exit with
 * idle standby JVMs, and nobody calling {@code shutdownStandby()}.
 */
public final class StandbyExitMain {
    private StandbyExitMain() {
    }

    public static void main(String[] args) throws Exception {
        if (!Multiprocessing.awaitStandby(Duration.ofSeconds(120))) {
            throw new IllegalStateException("the standby JVM was not ready in 120 s");
        }
        if (args.length > 0 && args[0].equals("hand-off")) {
            MpProcess p = Multiprocessing.getContext(StartMethod.STANDBY).process(() -> { });
            p.start();
            p.join();
        }
        System.out.println("ready");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }
}
