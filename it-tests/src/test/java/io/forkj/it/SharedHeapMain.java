package io.forkj.it;

import io.forkj.Posix;
import io.forkj.WaitStatus;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.SystemExit;
import io.forkj.posix.Daemon;
import io.forkj.posix.DaemonSpec;
import io.forkj.posix.Fork;
import io.forkj.posix.Spawn;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For {@link SharedHeapIT}, run in a JVM whose heap is a shared mapping ({@code -XX:+UseZGC}, {@code
 * -XX:AllocateHeapAt}): tries every way forkj forks a child that runs Java code, and prints one line per way,
 * {@code NAME refused: MESSAGE} or {@code NAME forked}; then {@code spawn: STATUS} for a posix_spawn and the exit
 * code of a SPAWN start method process (a fresh JVM), neither of which copies this one. Run as
 * {@code SharedHeapMain PIDFILE}.
 */
public final class SharedHeapMain {
    private SharedHeapMain() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        Map<String, Runnable> forks = new LinkedHashMap<>();
        forks.put("Fork.run", () -> Fork.run(ctx -> { }));
        forks.put("Posix.fork", () -> {
            int pid = Posix.get().fork();
            if (pid == 0) {
                Posix.get()._exit(0);
            }
        });
        forks.put("Daemon.start", () -> Daemon.start(DaemonSpec.of("sleep", "60").pidFile(Path.of(args[0]))));
        forks.put("Daemon.orphanGrandchild", () -> Daemon.orphanGrandchild(() -> { }));
        forks.put("FORK start method", () -> Multiprocessing.getContext(StartMethod.FORK).process(() -> { }).start());
        for (Map.Entry<String, Runnable> fork : forks.entrySet()) {
            try {
                fork.getValue().run();
                System.out.println(fork.getKey() + " forked");
            } catch (UnsupportedOperationException refused) {
                System.out.println(fork.getKey() + " refused: " + refused.getMessage());
            }
        }
        WaitStatus spawned = Spawn.exec("true").waitFor();
        System.out.println("spawn: " + spawned);
        MpProcess fresh = Multiprocessing.getContext(StartMethod.SPAWN).process(() -> {
            throw new SystemExit(3);
        });
        fresh.start();
        fresh.join();
        System.out.println("SPAWN start method: exit code " + fresh.exitCode().orElse(-1));
    }
}
