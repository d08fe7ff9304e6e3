package io.forkj.benchmarks;

import io.forkj.ProcessTable;
import oshi.SystemInfo;
import oshi.software.os.OperatingSystem;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/**
 * A process-table snapshot timed the way {@code proc_scan.c} times its scan, so that it and its baselines can be
 * run in turn as pairs: after a warm-up, prints the ns per snapshot averaged over N snapshots, once per round,
 * then (on stderr) the bytes this thread allocated per snapshot over the timed rounds.
 * Usage: {@code SnapshotLoop N ROUNDS [native|java|oshi|ps]}:
 * <ul>
 *   <li>{@code native} (the default): {@link ProcessTable#snapshot()} with the native binding loaded first, as any
 *       program that forks or signals has, so the snapshot reads through {@code openat};</li>
 *   <li>{@code java}: the same with the binding unloaded, so it reads through {@code java.io}, as a command that
 *       only lists processes does;</li>
 *   <li>{@code oshi}: OSHI's {@code OperatingSystem.getProcesses()}, every process with its details;</li>
 *   <li>{@code ps}: what a Java program pays to ask procps for the same columns: {@code ps -eo pid,ppid,stat,comm}
 *       run and read to the end.</li>
 * </ul>
 */
public final class SnapshotLoop {
    private SnapshotLoop() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        String mode = args.length < 3 ? "native" : args[2];
        long[] sink = {0};
        Timing.Op op;
        int warmup;
        switch (mode) {
            case "native", "java" -> {
                if (mode.equals("native")) {
                    io.forkj.Posix.get().getpid();
                }
                op = () -> sink[0] += ProcessTable.snapshot().all().size();
                warmup = 300; // enough for the JIT to compile the reader and the parser before anything is timed
            }
            case "oshi" -> {
                OperatingSystem os = new SystemInfo().getOperatingSystem();
                op = () -> sink[0] += os.getProcesses().size();
                warmup = 40;
            }
            case "ps" -> {
                op = () -> sink[0] += ps();
                warmup = 20;
            }
            default -> throw new IllegalArgumentException("mode " + mode + ": expected native, java, oshi or ps");
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        for (int i = 0; i < warmup; i++) {
            op.run();
        }
        long allocated = threads.getThreadAllocatedBytes(self);
        Timing.rounds(op, 0, n, rounds);
        allocated = threads.getThreadAllocatedBytes(self) - allocated;
        System.err.println("allocated per snapshot: " + allocated / ((long) n * rounds) + " bytes");
        if (sink[0] == 42) {
            System.err.println(sink[0]);
        }
    }

    private static int ps() throws Exception {
        Process ps = new ProcessBuilder("ps", "-eo", "pid,ppid,stat,comm").redirectErrorStream(true).start();
        byte[] out = ps.getInputStream().readAllBytes();
        if (!ps.waitFor(10, TimeUnit.SECONDS)) {
            ps.destroyForcibly();
            throw new IllegalStateException("ps did not finish within 10 s");
        }
        return out.length;
    }
}
