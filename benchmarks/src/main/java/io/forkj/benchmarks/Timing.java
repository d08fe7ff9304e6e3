package io.forkj.benchmarks;

import io.forkj.posix.internal.proc.ProcParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Whole-loop timing shared by the benchmark mains: rounds of a loop, one "ns per op" line per round. */
final class Timing {
    private Timing() {
    }

    /** One operation of a timed loop. */
    @FunctionalInterface
    interface Op {
        void run() throws Exception;
    }

    /** Runs {@code warmup} untimed ops, then prints ns/op for each of {@code rounds} rounds of {@code iters}. */
    static void rounds(Op op, int warmup, int iters, int rounds) throws Exception {
        for (int i = 0; i < warmup; i++) {
            op.run();
        }
        for (int r = 0; r < rounds; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < iters; i++) {
                op.run();
            }
            System.out.println((System.nanoTime() - start) / iters);
        }
    }

    /**
     * Like {@link #rounds}, with {@code threads} threads running {@code op} at once ({@code iters} in all per
     * round): each line is the round's wall time per op, the inverse of ops per second in total.
     */
    static void concurrentRounds(Op op, int warmup, int iters, int rounds, int threads) throws Exception {
        for (int i = 0; i < warmup; i++) {
            op.run();
        }
        int each = iters / threads;
        for (int r = 0; r < rounds; r++) {
            List<CompletableFuture<Void>> running = new ArrayList<>();
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                Thread thread = new Thread(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            op.run();
                        }
                        done.complete(null);
                    } catch (Throwable e) {
                        done.completeExceptionally(e);
                    }
                });
                thread.start();
                running.add(done);
            }
            for (CompletableFuture<Void> done : running) {
                done.get();
            }
            System.out.println((System.nanoTime() - start) / ((long) each * threads));
        }
    }

    /**
     * This process's anonymous resident memory in MiB ({@code RssAnon} in /proc/self/status), for sizing the C
     * baseline: fork copies page-table entries for anonymous pages only; a file mapping nothing wrote to (the
     * JVM's own code, ~22 MiB of its resident set) is left for the child to fault in.
     */
    static long anonymousMiB() throws IOException {
        String kb = ProcParser.statusValue(Files.readString(Path.of("/proc/self/status")), "RssAnon"); // "90832 kB"
        if (kb == null) {
            throw new IOException("no RssAnon line in /proc/self/status");
        }
        return ProcParser.parseLong(kb, 0, kb.indexOf(' ')) / 1024;
    }

    /** How many mappings this process has (lines of /proc/self/maps): what fork copies one VMA each of. */
    static long mappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).size();
    }

    static int intArg(String[] args, int index, int fallback) {
        return args.length > index ? Integer.parseInt(args[index]) : fallback;
    }
}
