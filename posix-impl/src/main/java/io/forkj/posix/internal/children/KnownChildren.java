package io.forkj.posix.internal.children;

import io.forkj.posix.internal.NativePosix;
import io.forkj.posix.internal.libc.Native;

import io.forkj.ProcessIdentity;
import io.forkj.ProcessTable;
import io.forkj.posix.internal.proc.ProcStat;

import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one registry of processes whose parent at birth forkj knows: every child this JVM created through forkj,
 * by identity (pid + start time). The kernel records no original parent, so this registry is the only exact
 * source for two questions:
 * <ul>
 *   <li>is this child forkj's? ({@link #isKnown}): code that reaps "whoever is not ours" (the signals module's
 *       {@code Reaper}, {@code ChildSignals}) must leave forkj's children, and the JDK's {@code java.lang.Process}
 *       children, to their owners;</li>
 *   <li>was this process orphaned? ({@link #originalParent}): {@link ProcessTable#orphans()} is exact for a
 *       recorded process whose parent pid now differs from the recorded one, whatever sessions say.</li>
 * </ul>
 *
 * <p>{@link NativePosix#fork()} and {@code Child} register every child; a fork that bypasses them (a direct
 * jnr-posix call, the daemon launcher's raw fork) must call {@link #forked(int)} itself. Registration is skipped
 * inside a forked child: it would read /proc and allocate, which a forked JVM child must not do.
 *
 * <p>Between {@code fork(2)} (or {@code posix_spawn}) returning and the child being recorded, the child exists
 * but is not yet known; a reaper scanning then would take it for an orphan and steal its exit status (seen once:
 * a {@code Reaper} at 1 ms reaped {@code Daemon.orphanGrandchild}'s middle child, whose owner then got ECHILD).
 * So every forking path brackets that window with {@link #forkStarting()} and {@link #forkRecorded()}, and
 * {@link #isForeign} answers "not forkj's" only when no such window is open.
 *
 * <p>An entry goes when its process is reaped ({@link #reaped}) or, if someone else reaped it, when evidence
 * gathered after the entry was made no longer shows that identity: a {@link #prune(ProcessTable, long) process
 * table scan}, or {@link #prune() a read of each entry's start time}. One rule, two sources of evidence.
 */
public final class KnownChildren {
    /** A start time, the parent at birth, and when it was recorded ({@link System#nanoTime()}). */
    private record Entry(long startTime, int parentPid, long recordedAt) {
    }

    private static final Map<Integer, Entry> BY_PID = new ConcurrentHashMap<>();
    /** Forks between their call and the recording of their child. */
    private static final AtomicInteger FORKS_UNRECORDED = new AtomicInteger();
    /** This JVM, read without the native binding: a process-table scan alone must not load it. */
    private static final int JVM_PID = (int) ProcessHandle.current().pid();

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

    /** Records a child whose identity the caller already read. */
    public static void forked(ProcessIdentity child) {
        if (Native.posix().getpid() != JVM_PID) {
            return;
        }
        record(child, JVM_PID);
    }

    /**
     * Records that {@code process} was born to {@code parentPid}: for a process forkj watched being born to
     * another parent (tests use it for a shell's child). Only {@code parentPid} equal to this JVM makes it
     * {@link #isKnown known} as forkj's child.
     *
     * @throws IllegalArgumentException if {@code parentPid <= 0}
     */
    public static void record(ProcessIdentity process, int parentPid) {
        if (parentPid <= 0) {
            throw new IllegalArgumentException("parent pid " + parentPid + " does not name a process (must be > 0)");
        }
        BY_PID.put(process.pid(), new Entry(process.startTimeTicks(), parentPid, System.nanoTime()));
    }

    /**
     * Opens a fork's window: call before {@code fork(2)} or {@code posix_spawn}, and {@link #forkRecorded()} once
     * the child is recorded (or the call failed), in the parent only. A forked child leaves its copy open: it records
     * no children, and any call on its way out of the fork could ask the JIT for a compilation (docs/DESIGN.md).
     */
    public static void forkStarting() {
        FORKS_UNRECORDED.incrementAndGet();
    }

    /** Closes the window opened by {@link #forkStarting()}. */
    public static void forkRecorded() {
        FORKS_UNRECORDED.decrementAndGet();
    }

    /**
     * Whether child {@code (pid, startTime)}, seen in a listing of this process's children made before this call,
     * is certainly not forkj's: no fork is between its call and its recording, and the child is not recorded. (If
     * the child came from a forkj fork, that fork opened its window before the child existed, so before the
     * listing; a window found closed here was closed after the child was recorded.) False while any window is
     * open: the caller looks again later.
     */
    public static boolean isForeign(int pid, long startTime) {
        return FORKS_UNRECORDED.get() == 0 && !isKnown(pid, startTime);
    }

    /** Forgets a child that was reaped. */
    public static void reaped(int pid) {
        BY_PID.remove(pid);
    }

    /** Forgets {@code process}, if it is the one recorded under its pid. */
    public static void forget(ProcessIdentity process) {
        Entry e = BY_PID.get(process.pid());
        if (e != null && e.startTime() == process.startTimeTicks()) {
            BY_PID.remove(process.pid(), e);
        }
    }

    /**
     * Whether the process {@code (pid, startTime)} is a child this JVM created through forkj. An entry whose
     * start time differs is a stale one for a recycled pid and is dropped.
     */
    public static boolean isKnown(int pid, long startTime) {
        Entry e = BY_PID.get(pid);
        if (e == null) {
            return false;
        }
        if (e.startTime() != startTime) {
            BY_PID.remove(pid, e);
            return false;
        }
        return e.parentPid() == JVM_PID;
    }

    /** The parent {@code process} had at birth, if forkj recorded it. */
    public static OptionalInt originalParent(ProcessIdentity process) {
        if (BY_PID.isEmpty()) {
            return OptionalInt.empty();
        }
        Entry e = BY_PID.get(process.pid());
        return e == null || e.startTime() != process.startTimeTicks() ? OptionalInt.empty() : OptionalInt.of(e.parentPid());
    }

    /** Drops entries whose process is gone, reading each one's start time. */
    public static void prune() {
        long readStart = System.nanoTime();
        BY_PID.forEach((pid, e) -> {
            if (e.recordedAt() - readStart < 0 && ProcStat.startTime(pid) != e.startTime()) {
                BY_PID.remove(pid, e);
            }
        });
    }

    /**
     * Drops entries, made before {@code scanStartNanos}, whose process the scan did not find: they are gone. An
     * entry made after the scan began may be of a process the scan could not yet see, so it stays.
     */
    public static void prune(ProcessTable table, long scanStartNanos) {
        BY_PID.forEach((pid, e) -> {
            if (e.recordedAt() - scanStartNanos < 0 && table.get(new ProcessIdentity(pid, e.startTime())).isEmpty()) {
                BY_PID.remove(pid, e);
            }
        });
    }

    /** How many processes are recorded (for tests and diagnostics). */
    public static int size() {
        return BY_PID.size();
    }
}
