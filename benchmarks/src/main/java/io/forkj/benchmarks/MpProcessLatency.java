package io.forkj.benchmarks;

import io.forkj.multiprocessing.Context;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.posix.ForkStallException;

import java.time.Duration;

/**
 * {@code MpProcess} start + join of an empty target, one start method per run, ns per process; benchmarks/mp/process.sh
 * interleaves runs of it with CPython's {@code multiprocessing} fork, forkserver and spawn. For STANDBY each timed
 * start finds an idle JVM ready (the wait for its replacement is not timed), as a forkserver is always ready.
 * Prints one line per process, after WARMUP untimed ones; a FORK child that stalls (killed at a 5 s deadline)
 * prints "stall ..." on stderr instead.
 * usage: MpProcessLatency FORK|SPAWN|STANDBY COUNT WARMUP
 */
public final class MpProcessLatency {
    private MpProcessLatency() {
    }

    private static void empty() {
        // the empty target
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        StartMethod method = StartMethod.valueOf(args[0]);
        int count = Timing.intArg(args, 1, 20);
        int warmup = Timing.intArg(args, 2, 3);
        Context ctx = Multiprocessing.getContext(method);
        for (int i = 0; i < warmup + count; i++) {
            if (method == StartMethod.STANDBY && !Multiprocessing.awaitStandby(Duration.ofMinutes(2))) {
                throw new IllegalStateException("no standby JVM ready within 2 minutes");
            }
            MpProcess p = ctx.process(MpProcessLatency::empty).forkDeadline(Duration.ofSeconds(5));
            long t0 = System.nanoTime();
            p.start();
            try {
                p.join();
            } catch (ForkStallException stalled) {
                // Reported, not timed: the row counts them (a FORK child that stalls is killed at its deadline).
                System.err.println("stall " + stalled.getMessage().split(";")[0]);
                continue;
            }
            long ns = System.nanoTime() - t0;
            if (p.exitCode().orElse(-1) != 0) {
                throw new IllegalStateException(p + " exited with " + p.exitCode());
            }
            if (i >= warmup) {
                System.out.println(ns);
            }
        }
        Multiprocessing.shutdownStandby();
    }
}
