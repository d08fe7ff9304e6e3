package io.forkj.posix.internal;

import io.forkj.ProcessIdentity;
import io.forkj.posix.internal.proc.OriginalParents;
import io.forkj.posix.internal.proc.ProcStat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The children this JVM created through forkj, by identity (pid + start time), so that code which reaps
 * "whoever is not ours" (the signals module's {@code Reaper}) and code that must not disturb the JDK's own
 * {@code java.lang.Process} children can tell them apart. The kernel records no original parent, so this
 * registry is the only exact source.
 *
 * <p>{@link NativePosix#fork()} registers every child; a fork that bypasses it (a direct jnr-posix call) must
 * call {@link #forked(int)} itself. Registration is skipped inside a forked child: it would read /proc and
 * allocate, which a forked JVM child must not do.
 */
public final class KnownChildren {
    private static final Map<Integer, Long> START_TIMES = new ConcurrentHashMap<>();
    private static final int JVM_PID = Native.posix().getpid();

    private KnownChildren() {
    }

    /**
     * Records a child just forked by this process. A child that is already gone (reaped by the kernel because
     * SIGCHLD is ignored) is not recorded.
     */
    public static void forked(int pid) {
        if (Native.posix().getpid() != JVM_PID) {
            return;
        }
        long start = ProcStat.startTime(pid);
        if (start >= 0) {
            forked(new ProcessIdentity(pid, start));
        }
    }

    /**
     * Records a child whose identity the caller already read. Its original parent (this JVM) goes to
     * {@link OriginalParents} too, so the process table's orphan check is exact for it.
     */
    public static void forked(ProcessIdentity child) {
        if (Native.posix().getpid() != JVM_PID) {
            return;
        }
        START_TIMES.put(child.pid(), child.startTimeTicks());
        OriginalParents.record(child, JVM_PID);
    }

    /** Forgets a child that was reaped. */
    public static void reaped(int pid) {
        Long start = START_TIMES.remove(pid);
        if (start != null) {
            OriginalParents.forget(new ProcessIdentity(pid, start));
        }
    }

    /**
     * Whether the process {@code (pid, startTime)} is a child forkj created. An entry whose start time differs
     * is a stale one for a recycled pid and is dropped.
     */
    public static boolean isKnown(int pid, long startTime) {
        Long known = START_TIMES.get(pid);
        if (known == null) {
            return false;
        }
        if (known != startTime) {
            START_TIMES.remove(pid, known);
            return false;
        }
        return true;
    }

    /** Drops entries whose process is gone (reaped by someone else, or by the kernel under SIG_IGN). */
    public static void prune() {
        START_TIMES.forEach((pid, start) -> {
            if (ProcStat.startTime(pid) != start) {
                START_TIMES.remove(pid, start);
            }
        });
    }

    /** How many children are recorded (for tests and diagnostics). */
    public static int size() {
        return START_TIMES.size();
    }
}
