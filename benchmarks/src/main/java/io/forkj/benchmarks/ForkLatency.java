package io.forkj.benchmarks;

import io.forkj.Posix;

/**
 * fork + _exit + waitpid from Java. Prints "rss_mib N" first (the C baseline then touches as much memory),
 * then ns/op per round. Mode {@code raw}: the facade's fork.
 * usage: ForkLatency raw ITERS ROUNDS
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
        if (!mode.equals("raw")) {
            throw new IllegalArgumentException("unknown mode '" + mode + "': expected raw");
        }
        Timing.Op op = () -> {
            int pid = posix.fork();
            if (pid == 0) {
                posix._exit(0);
            }
            posix.waitpid(pid);
        };
        op.run();
        System.out.println("rss_mib " + Timing.residentMiB());
        Timing.rounds(op, 50, iters, rounds);
    }
}
