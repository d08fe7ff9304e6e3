package io.forkj.posix.internal.fork;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Picks the moment of a fork. A forked JVM child that asks the JIT for a compilation blocks forever if a
 * compiler thread held the compile queue's lock at fork time (seen with gdb in daemon launches: about 1 start in
 * 20 in a young JVM); that is likeliest while the JIT is busy. Forking once no compilation has finished for a
 * few milliseconds made it rare (0 in 800 stress starts). A JVM whose JIT has settled pays nothing: the check
 * remembers when compilation time last changed.
 */
public final class QuietCompiler {
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    private static final boolean MONITORED = JIT != null && JIT.isCompilationTimeMonitoringSupported();
    private static final long QUIET_NANOS = 3_000_000;
    private static long lastTotal = -1;
    private static long lastChangeNanos;

    private QuietCompiler() {
    }

    /** Waits, at most {@code maxNanos}, until no compilation has finished for 3 ms. */
    public static synchronized void await(long maxNanos) {
        if (!MONITORED) {
            return;
        }
        long end = System.nanoTime() + maxNanos;
        while (true) {
            long total = JIT.getTotalCompilationTime();
            long now = System.nanoTime();
            if (total != lastTotal) {
                lastTotal = total;
                lastChangeNanos = now;
            }
            if (now - lastChangeNanos >= QUIET_NANOS || now - end >= 0) {
                return;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
