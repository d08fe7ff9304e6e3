package io.forkj.benchmarks;

import io.forkj.ProcessTable;

/**
 * A process-table snapshot timed the way {@code proc_scan.c} times its scan, so the two can be run in turn as
 * pairs: after a warm-up, prints the ns per {@link ProcessTable#snapshot()} averaged over N snapshots, once per
 * round. Usage: {@code SnapshotLoop N ROUNDS [native|java]}: {@code native} (the default) loads the native
 * binding first, as any program that forks or signals has, so the snapshot reads through {@code openat}; {@code java}
 * leaves it unloaded, so the snapshot reads through {@code java.io}, as a command that only lists processes does.
 */
public final class SnapshotLoop {
    private SnapshotLoop() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        if (args.length < 3 || args[2].equals("native")) {
            io.forkj.Posix.get().getpid();
        }
        long sink = 0;
        // Enough snapshots for the JIT to compile the reader and the parser before anything is timed.
        for (int i = 0; i < 300; i++) {
            sink += ProcessTable.snapshot().all().size();
        }
        for (int r = 0; r < rounds; r++) {
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += ProcessTable.snapshot().all().size();
            }
            System.out.println((System.nanoTime() - t) / n);
        }
        if (sink == 42) {
            System.err.println(sink);
        }
    }
}
