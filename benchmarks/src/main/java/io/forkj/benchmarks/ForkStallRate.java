package io.forkj.benchmarks;

import io.forkj.posix.ChildBody;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.ForkStallException;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Stall rate of the guarded fork with an empty body. Usage: {@code ForkStallRate COUNT idle|busy gc|nogc}.
 * "busy" runs one thread that allocates 4 KiB arrays without pause. Every stall is detected (the deadline
 * kills it); the output counts them and gives the latency percentiles of the fork-to-reap round trip.
 */
public final class ForkStallRate {
    static volatile Object sink;

    private ForkStallRate() {
    }

    /** Runs the measurement; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        boolean busy = args[1].equals("busy");
        boolean gc = args[2].equals("gc");
        ForkOptions options = ForkOptions.defaults().deadline(Duration.ofSeconds(2)).gcBeforeFork(gc);
        ChildBody empty = ctx -> { };
        AtomicBoolean stop = new AtomicBoolean();
        Thread allocator = new Thread(() -> {
            while (!stop.get()) {
                sink = new byte[4096];
            }
        });
        allocator.setDaemon(true);
        if (busy) {
            allocator.start();
        }
        long[] micros = new long[count];
        int stalls = 0;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            try {
                Fork.run(options, empty).waitFor();
            } catch (ForkStallException e) {
                stalls++;
            }
            micros[i] = (System.nanoTime() - t0) / 1000;
        }
        stop.set(true);
        Arrays.sort(micros);
        System.out.printf("forks=%d parent=%s gcBeforeFork=%s stalls=%d (all detected) p50=%.2fms p99=%.2fms max=%.0fms total=%.0fs%n",
                count, busy ? "busy" : "idle", gc, stalls, micros[count / 2] / 1e3, micros[count * 99 / 100] / 1e3,
                micros[count - 1] / 1e3, (System.nanoTime() - start) / 1e9);
    }
}
