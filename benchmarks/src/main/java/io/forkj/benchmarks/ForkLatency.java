package io.forkj.benchmarks;

import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.WaitOption;
import io.forkj.posix.ChildBody;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.ForkStallException;
import io.forkj.posix.internal.Pidfd;

import java.time.Duration;

/**
 * Guarded fork + {@code _exit} + wait from Java against a C program that touched the same resident memory
 * as this JVM, in the same run; plus the raw Java round trip (no guard) to split the cost.
 * Usage: {@code ForkLatency COUNT}.
 */
public final class ForkLatency {
    private ForkLatency() {
    }

    /** Runs the measurement; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        ForkOptions options = ForkOptions.defaults().deadline(Duration.ofSeconds(2));
        ChildBody empty = ctx -> { };
        int stalls = 0;
        for (int i = 0; i < Math.max(50, count / 10); i++) {
            stalls += guardedRoundTrip(options, empty);
        }
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            stalls += guardedRoundTrip(options, empty);
        }
        double javaMicros = (System.nanoTime() - start) / 1e3 / count;
        Posix posix = Posix.get();
        rawRoundTrip(posix);
        long rawStart = System.nanoTime();
        int rawStalls = 0;
        for (int i = 0; i < count; i++) {
            rawStalls += rawRoundTrip(posix);
        }
        double rawMicros = (System.nanoTime() - rawStart) / 1e3 / count;
        long rss = CProgram.residentMiB();
        double cMicros = CProgram.run("fork_latency", Long.toString(rss), Integer.toString(count));
        System.out.printf("fork+_exit+wait, RSS %d MiB: Java guarded %.0f us (%d stalls, 2 s each, included),"
                        + " Java raw %.0f us (%d stalls killed), C %.0f us, guarded/C %.2f, raw/C %.2f%n",
                rss, javaMicros, stalls, rawMicros, rawStalls, cMicros, javaMicros / cMicros, rawMicros / cMicros);
    }

    /** One guarded round trip; 1 if it stalled (the child was killed at its deadline). */
    private static int guardedRoundTrip(ForkOptions options, ChildBody body) throws InterruptedException {
        try {
            Fork.run(options, body).waitFor();
            return 0;
        } catch (ForkStallException e) {
            return 1;
        }
    }

    /** One raw fork whose child calls _exit at once; a child stuck for 2 s is killed. Returns 1 for a stall. */
    private static int rawRoundTrip(Posix posix) {
        int pid = posix.fork();
        if (pid == 0) {
            posix._exit(0);
        }
        // Sleep in poll(2) on a pidfd rather than spin: a spinning parent takes one of two cores from the child.
        int pidfd = Pidfd.open(pid);
        boolean exited = Pidfd.awaitExit(pidfd, 2000);
        Pidfd.close(pidfd);
        if (exited && posix.waitpid(pid, WaitOption.WNOHANG).isTerminated()) {
            return 0;
        }
        posix.kill(pid, Signal.SIGKILL);
        posix.waitpid(pid);
        return 1;
    }
}
