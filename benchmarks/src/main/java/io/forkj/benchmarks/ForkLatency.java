package io.forkj.benchmarks;

import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.WaitOption;
import io.forkj.posix.ChildBody;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;

/**
 * Guarded fork + {@code _exit} + wait from Java against a C program that touched the same resident memory
 * as this JVM, in the same run; plus the raw Java round trip (no guard) to split the cost.
 * Usage: {@code ForkLatency COUNT}.
 */
public final class ForkLatency {
    private ForkLatency() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        ForkOptions options = ForkOptions.defaults();
        ChildBody empty = ctx -> { };
        for (int i = 0; i < Math.max(50, count / 10); i++) {
            Fork.run(options, empty).waitFor();
        }
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            Fork.run(options, empty).waitFor();
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
        System.out.printf("fork+_exit+wait, RSS %d MiB: Java guarded %.0f us, Java raw %.0f us (%d stalls killed),"
                        + " C %.0f us, guarded/C %.2f, raw/C %.2f%n",
                rss, javaMicros, rawMicros, rawStalls, cMicros, javaMicros / cMicros, rawMicros / cMicros);
    }

    /** One raw fork whose child calls _exit at once; a child stuck for 2 s is killed. Returns 1 for a stall. */
    private static int rawRoundTrip(Posix posix) {
        int pid = posix.fork();
        if (pid == 0) {
            posix._exit(0);
        }
        long end = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() - end < 0) {
            if (posix.waitpid(pid, WaitOption.WNOHANG).isTerminated()) {
                return 0;
            }
            Thread.onSpinWait();
        }
        posix.kill(pid, Signal.SIGKILL);
        posix.waitpid(pid);
        return 1;
    }
}
