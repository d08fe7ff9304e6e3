package io.forkj.benchmarks;

import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.posix.Daemon;
import io.forkj.posix.DaemonSpec;

import io.forkj.signals.Subreaper;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code Daemon.start} of {@code sleep 600} until it is ready (its execve succeeded), then SIGKILL and reap: ns/op
 * per round. This JVM becomes a subreaper so every daemon is reaped here. Mode {@code busy} runs a thread that
 * keeps the JIT and the GC busy, the worst case for forking a JVM; stalls and retries are logged on stderr.
 * usage: DaemonLatency quiet|busy ITERS ROUNDS
 */
public final class DaemonLatency {

    private DaemonLatency() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "quiet";
        int iters = Timing.intArg(args, 1, 100);
        int rounds = Timing.intArg(args, 2, 5);
        if (!mode.equals("quiet") && !mode.equals("busy")) {
            throw new IllegalArgumentException("unknown mode '" + mode + "': expected quiet or busy");
        }
        Subreaper.enable();
        AtomicBoolean stop = new AtomicBoolean();
        Thread busy = new Thread(() -> churn(stop), "busy");
        busy.setDaemon(true);
        if (mode.equals("busy")) {
            busy.start();
        }
        Posix posix = Posix.get();
        DaemonSpec spec = DaemonSpec.of("sleep", "600");
        Timing.rounds(() -> {
            int pid = Daemon.start(spec).pid();
            posix.kill(pid, Signal.SIGKILL);
            posix.waitpid(pid);
        }, 20, iters, rounds);
        stop.set(true);
    }

    /** New code shapes, lambdas, strings and garbage: work for the JIT and the GC. */
    private static void churn(AtomicBoolean stop) {
        long sink = 0;
        for (int round = 0; !stop.get(); round++) {
            java.util.List<Integer> list = new java.util.ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                list.add(i * round);
            }
            sink += list.stream().map(v -> v + 1).filter(v -> v % 3 == 0).mapToLong(v -> v).sum();
            sink += ("r" + round + sink).hashCode();
        }
        if (sink == 42) {
            System.out.println(sink);
        }
    }
}
