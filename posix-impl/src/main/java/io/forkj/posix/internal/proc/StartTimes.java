package io.forkj.posix.internal.proc;

import io.forkj.posix.internal.libc.Native;

/**
 * A process's start time in the unit of {@code /proc/PID/stat}'s field 22 (clock ticks since boot), and how to
 * know it for a child this process has just created without reading {@code /proc}.
 *
 * <p>The kernel stamps a new task with {@code CLOCK_BOOTTIME} in {@code copy_process} ({@code start_boottime}), and
 * {@code /proc} shows that stamp divided down to clock ticks ({@code nsec_to_clock_t}, a floor division when a
 * second holds a whole number of ticks). So when two readings of {@code CLOCK_BOOTTIME}, one before the
 * {@code fork}/{@code posix_spawn} call and one after it returned, fall in the same tick, the child started in
 * that tick. Why not simply read {@code /proc/PID/stat}: the read costs the fork a path lookup, and the
 * {@code /proc/PID} entries it leaves in the dentry cache are invalidated when the child is reaped, under the
 * task-list lock: 38% of the exit watcher's time while it reaped 1,000 killed children (docs/DESIGN.md, "A
 * child's identity without /proc").
 */
public final class StartTimes {
    /** {@code AT_CLKTCK} of {@code <elf.h>}: the auxiliary-vector entry of the clock tick rate. */
    private static final long AT_CLKTCK = 17;
    /** {@code CLOCK_BOOTTIME} of {@code <time.h>}. */
    private static final int CLOCK_BOOTTIME = 7;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /**
     * {@code sysconf(_SC_CLK_TCK)} as glibc answers it, without the native binding: the kernel's {@code AT_CLKTCK}
     * from this process's auxiliary vector (USER_HZ, the unit of /proc's times), 100 if it cannot be read.
     */
    public static final long TICKS_PER_SECOND = clockTicks();
    /** Nanoseconds per tick, or 0 when a second holds no whole number of ticks (then no bracket is exact). */
    private static final long NANOS_PER_TICK =
            NANOS_PER_SECOND % TICKS_PER_SECOND == 0 ? NANOS_PER_SECOND / TICKS_PER_SECOND : 0;

    private StartTimes() {
    }

    /** {@code clock_gettime(CLOCK_BOOTTIME)} in nanoseconds, or -1 if the call failed. */
    public static long bootNanos() {
        long[] timespec = new long[2];
        if (Native.libc().clock_gettime(CLOCK_BOOTTIME, timespec) != 0) {
            return -1;
        }
        return timespec[0] * NANOS_PER_SECOND + timespec[1];
    }

    /**
     * The start time, in ticks, of a process created between two {@link #bootNanos()} readings, or -1 when they
     * do not fall in the same tick (or either failed): then only {@code /proc} knows it.
     */
    public static long bracketed(long bootBefore, long bootAfter) {
        return bracketed(bootBefore, bootAfter, NANOS_PER_TICK);
    }

    /** {@link #bracketed(long, long)} for a given tick length (0: none exact). */
    static long bracketed(long bootBefore, long bootAfter, long nanosPerTick) {
        if (nanosPerTick <= 0 || bootBefore < 0 || bootAfter < bootBefore) {
            return -1;
        }
        long tick = bootBefore / nanosPerTick;
        return bootAfter / nanosPerTick == tick ? tick : -1;
    }

    private static long clockTicks() {
        try {
            long hz = ProcParser.auxvValue(java.nio.file.Files.readAllBytes(ProcFs.self("auxv")), AT_CLKTCK);
            return hz > 0 ? hz : 100;
        } catch (java.io.IOException unreadable) {
            return 100;
        }
    }
}
