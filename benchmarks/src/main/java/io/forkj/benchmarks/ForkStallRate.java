package io.forkj.benchmarks;

import io.forkj.posix.ChildBody;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.ForkStallException;
import io.forkj.posix.internal.fork.StartRetries;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stall rate of the guarded fork. Usage: {@code ForkStallRate COUNT idle|threads8|busy|threads8busy gc|nogc [empty|work]}.
 * "threads8" forks from 8 threads at once (COUNT in all); "busy" runs one thread that allocates 4 KiB arrays
 * without pause beside the forking thread(s). The body is empty, or with "work" fills a 200-entry
 * {@code HashMap} (code the parent has compiled first): interpreted and compiled code that crosses JIT counters
 * and call-site links in the child, where a VM lock held at the fork shows. Reports, per configuration: the stalls that reached the caller
 * (ForkStallException: recognised early from /proc, or at the 10 s deadline), the stalls before the body that
 * {@code Fork.run} retried transparently ({@link Fork#retriedStarts()}, by cause: {@code StartRetries}), and the fork-to-reap latency percentiles.
 */
public final class ForkStallRate {
    static volatile Object sink;

    private ForkStallRate() {
    }

    private static int work() {
        java.util.Map<String, Integer> map = new java.util.HashMap<>();
        for (int i = 0; i < 200; i++) {
            map.put("k" + i, i);
            sink = new int[64];
        }
        return map.size() == 200 ? 0 : 3;
    }

    /** The replaced children by cause: lock held, safepoint, stalled with no cause seen. */
    private static long[] causes() {
        return new long[] {StartRetries.count(StartRetries.Cause.LOCK_HELD), StartRetries.count(StartRetries.Cause.SAFEPOINT),
                StartRetries.count(StartRetries.Cause.STALLED)};
    }

    /** Runs the measurement; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        String mode = args[1];
        boolean gc = args[2].equals("gc");
        ForkOptions options = ForkOptions.defaults().deadline(Duration.ofSeconds(10)).gcBeforeFork(gc);
        boolean work = args.length > 3 && args[3].equals("work");
        for (int i = 0; work && i < 20_000; i++) {
            work();
        }
        ChildBody empty = work ? ctx -> ctx.exit(work()) : ctx -> { };
        AtomicBoolean stop = new AtomicBoolean();
        Thread allocator = new Thread(() -> {
            while (!stop.get()) {
                sink = new byte[4096];
            }
        });
        allocator.setDaemon(true);
        if (mode.endsWith("busy")) {
            allocator.start();
        }
        Fork.run(options, empty).waitFor(); // the JVM's one-time warm-up, outside the count
        long retriedBefore = Fork.retriedStarts();
        long[] causesBefore = causes();
        int threads = mode.startsWith("threads8") ? 8 : 1;
        long[] micros = new long[count];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger early = new AtomicInteger();
        AtomicInteger atDeadline = new AtomicInteger();
        AtomicInteger wrongStatus = new AtomicInteger();
        StringBuilder seen = new StringBuilder();
        long start = System.nanoTime();
        Thread[] forkers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            forkers[t] = new Thread(() -> {
                for (int i; (i = next.getAndIncrement()) < count; ) {
                    long t0 = System.nanoTime();
                    try {
                        if (Fork.run(options, empty).waitFor().toExitCode() != 0) {
                            wrongStatus.incrementAndGet(); // e.g. a start-up exit code reaching the caller
                        }
                    } catch (ForkStallException e) {
                        (e.recognisedEarly() ? early : atDeadline).incrementAndGet();
                        synchronized (seen) {
                            seen.append("  ").append(e.getMessage(), 0, Math.min(220, e.getMessage().length())).append('\n');
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    micros[i] = (System.nanoTime() - t0) / 1000;
                }
            });
            forkers[t].start();
        }
        for (Thread t : forkers) {
            t.join();
        }
        stop.set(true);
        long retried = Fork.retriedStarts() - retriedBefore;
        long[] causes = causes();
        Arrays.sort(micros);
        System.out.print(seen);
        System.out.printf("forks=%d mode=%s body=%s gcBeforeFork=%s stalls=%d (reached the caller: %d recognised early, %d at the "
                        + "deadline) retried=%d (stalled before the body, replaced: lockHeld=%d safepoint=%d noCause=%d) wrongStatus=%d "
                        + "p50=%.2fms p99=%.2fms max=%.0fms total=%.0fs%n",
                count, mode, work ? "work" : "empty", gc, early.get() + atDeadline.get(), early.get(), atDeadline.get(), retried,
                causes[0] - causesBefore[0], causes[1] - causesBefore[1], causes[2] - causesBefore[2], wrongStatus.get(),
                micros[count / 2] / 1e3, micros[count * 99 / 100] / 1e3, micros[count - 1] / 1e3,
                (System.nanoTime() - start) / 1e9);
    }
}
