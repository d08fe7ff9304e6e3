package io.forkj.benchmarks;

import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.posix.ChildBody;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;

import java.time.Duration;

/**
 * fork + _exit + waitpid from Java. Prints ns/op per round, then "anon_mib N" and "maps N": the anonymous
 * resident memory and the mappings at the end of the timing, which fork copied (the C baseline then touches as
 * much memory and makes as many mappings; a JVM's anonymous memory grows while it forks, as new pages of its
 * heap are used). Mode {@code raw}: the facade's fork; {@code guarded}: {@code Fork.run} with an empty
 * body (a stall, killed at its 2 s deadline, counts in the time, as a user would pay it). A raw child that has
 * not exited 2 s after its fork is killed the same way, and said so on stderr: the raw fork has no guard, and
 * about one raw child in 3,000 blocks for ever on a JVM lock a parent thread held at the fork (seen with gdb
 * in a {@code run.sh} run: {@code CodeCache_lock}, taken by a native wrapper the child compiled); without this,
 * one such child hung the whole benchmark. Suffix {@code 8}
 * ({@code raw8}, {@code guarded8}): 8 threads fork at once, ITERS in all, and a line is wall time per fork.
 * Suffix {@code -busy} ({@code guarded-busy}): one more thread allocates 4 KiB arrays without pause meanwhile.
 * WARMUP forks (default 50) run before the first round.
 * usage: ForkLatency raw|guarded[8|-busy] ITERS ROUNDS [WARMUP]
 */
public final class ForkLatency {
    private ForkLatency() {
    }

    static volatile Object sink;

    /**
     * Kills a raw child still alive 2 s after its fork. One thread for the JVM that wakes every 100 ms and
     * allocates nothing per fork, so the timed loop pays two volatile writes.
     */
    private static final class RawChildDeadline {
        private static final long LIMIT_NANOS = 2_000_000_000L;
        private volatile int pid;
        private volatile long since;

        RawChildDeadline(Posix posix) {
            Thread watch = new Thread(() -> {
                while (true) {
                    int child = pid;
                    if (child > 0 && System.nanoTime() - since > LIMIT_NANOS) {
                        posix.kill(child, Signal.SIGKILL);
                        System.err.println("stall: raw child " + child + " killed 2 s after its fork");
                        pid = 0;
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "raw-child-deadline");
            watch.setDaemon(true);
            watch.start();
        }

        void arm(int child) {
            since = System.nanoTime();
            pid = child;
        }

        void disarm() {
            pid = 0;
        }
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        String given = args.length > 0 ? args[0] : "raw";
        boolean busy = given.endsWith("-busy");
        int threads = given.endsWith("8") ? 8 : 1;
        String mode = given.replace("-busy", "").replace("8", "");
        int iters = Timing.intArg(args, 1, 200);
        int rounds = Timing.intArg(args, 2, 5);
        int warmup = Timing.intArg(args, 3, 50);
        Posix posix = Posix.get();
        Timing.Op op;
        if (mode.equals("raw")) {
            RawChildDeadline deadline = new RawChildDeadline(posix);
            op = () -> {
                int pid = posix.fork();
                if (pid == 0) {
                    posix._exit(0);
                }
                deadline.arm(pid);
                posix.waitpid(pid);
                deadline.disarm();
            };
        } else if (mode.equals("guarded")) {
            ForkOptions options = ForkOptions.defaults().deadline(Duration.ofSeconds(2));
            ChildBody empty = ctx -> { };
            op = () -> {
                try {
                    Fork.run(options, empty).waitFor();
                } catch (io.forkj.posix.ForkStallException stalled) {
                    System.err.println("stall: " + stalled.getMessage());
                }
            };
        } else {
            throw new IllegalArgumentException("unknown mode '" + given + "': expected raw or guarded, with 8 or -busy");
        }
        if (busy) {
            Thread allocator = new Thread(() -> {
                while (true) {
                    sink = new byte[4096];
                }
            });
            allocator.setDaemon(true);
            allocator.start();
        }
        if (threads == 1) {
            Timing.rounds(op, warmup, iters, rounds);
        } else {
            Timing.concurrentRounds(op, warmup, iters, rounds, threads);
        }
        System.out.println("anon_mib " + Timing.anonymousMiB());
        System.out.println("maps " + Timing.mappings());
    }
}
