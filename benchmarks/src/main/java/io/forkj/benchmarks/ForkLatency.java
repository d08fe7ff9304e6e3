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
 * body (a stall, killed at its 2 s deadline, counts in the time, as a user would pay it).
 * usage: ForkLatency raw|guarded ITERS ROUNDS
 */
public final class ForkLatency {
    private ForkLatency() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "raw";
        int iters = Timing.intArg(args, 1, 200);
        int rounds = Timing.intArg(args, 2, 5);
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
            throw new IllegalArgumentException("unknown mode '" + mode + "': expected raw or guarded");
        }
        op.run();
        System.out.println("rss_mib " + Timing.residentMiB());
        System.out.println("maps " + Timing.mappings());
        Timing.rounds(op, 50, iters, rounds);
    }
}
