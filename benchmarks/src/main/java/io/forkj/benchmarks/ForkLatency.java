package io.forkj.benchmarks;

import io.forkj.Posix;
import io.forkj.posix.ChildBody;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;

import java.time.Duration;

/**
 * fork + _exit + waitpid from Java. Prints "rss_mib N" and "maps N" first (the C baseline then touches as much
 * memory and makes as many mappings),
 * then ns/op per round. Mode {@code raw}: the facade's fork; {@code guarded}: {@code Fork.run} with an empty
 * body (a stall, killed at its 2 s deadline, counts in the time, as a user would pay it). Suffix {@code 8}
 * ({@code raw8}, {@code guarded8}): 8 threads fork at once, ITERS in all, and a line is wall time per fork.
 * Suffix {@code -busy} ({@code guarded-busy}): one more thread allocates 4 KiB arrays without pause meanwhile.
 * WARMUP forks (default 50) run before the first round.
 * usage: ForkLatency raw|guarded[8|-busy] ITERS ROUNDS [WARMUP]
 */
public final class ForkLatency {
    private ForkLatency() {
    }

    static volatile Object sink;

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
            op = () -> {
                int pid = posix.fork();
                if (pid == 0) {
                    posix._exit(0);
                }
                posix.waitpid(pid);
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
        op.run();
        System.out.println("rss_mib " + Timing.residentMiB());
        System.out.println("maps " + Timing.mappings());
        if (threads == 1) {
            Timing.rounds(op, warmup, iters, rounds);
        } else {
            Timing.concurrentRounds(op, warmup, iters, rounds, threads);
        }
    }
}
