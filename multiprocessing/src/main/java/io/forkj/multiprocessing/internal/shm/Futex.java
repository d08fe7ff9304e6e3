package io.forkj.multiprocessing.internal.shm;

import io.forkj.multiprocessing.internal.VirtualSleep;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.PosixException;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.fork.Starter;

/**
 * {@code futex(2)} wait and wake on a 32-bit word of a {@link SharedSegment}, shared between processes (no
 * {@code FUTEX_PRIVATE_FLAG}: the kernel keys the wait on the mapped file page, so every process mapping the
 * segment meets on the same word).
 */
public final class Futex {
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int ETIMEDOUT = 110;

    /** {@link #await} returned because a wake came (or a spurious wake-up: callers re-check their word). */
    public static final int WOKEN = 0;
    /** {@link #await} returned because the timeout ran out. */
    public static final int TIMED_OUT = 1;
    /** {@link #await} returned at once because the word did not hold the expected value ({@code EAGAIN}). */
    public static final int VALUE_CHANGED = 2;
    /** {@link #await} was interrupted by a signal handler ({@code EINTR}). */
    public static final int INTERRUPTED = 3;

    private Futex() {
    }

    /**
     * {@code FUTEX_WAIT}: sleeps while the int at {@code address} holds {@code expected}, at most
     * {@code timeoutNanos} (must be positive: forkj never sleeps without a bound). On a virtual thread the sleep is
     * made by a platform thread while the virtual thread parks ({@link VirtualSleep}), and may end early: callers
     * re-check their word in a loop anyway.
     *
     * @return {@link #WOKEN}, {@link #TIMED_OUT}, {@link #VALUE_CHANGED} or {@link #INTERRUPTED}
     * @throws PosixException for any other error ({@code EFAULT}, {@code EINVAL}: a bug)
     */
    public static int await(long address, int expected, long timeoutNanos) {
        if (timeoutNanos <= 0) {
            return TIMED_OUT;
        }
        if (Starter.onVirtualThread()) {
            long slice = Math.min(timeoutNanos, VirtualSleep.SLICE_NANOS);
            return VirtualSleep.run(() -> block(address, expected, slice));
        }
        return block(address, expected, timeoutNanos);
    }

    /** {@link #await} in this thread, in the kernel. */
    private static int block(long address, int expected, long timeoutNanos) {
        long[] timespec = {timeoutNanos / 1_000_000_000L, timeoutNanos % 1_000_000_000L};
        long r = Native.libc().syscall(LinuxLibC.Sys.FUTEX, address, FUTEX_WAIT, expected, timespec);
        if (r == 0) {
            return WOKEN;
        }
        int errno = Native.errno();
        switch (errno) {
            case ETIMEDOUT:
                return TIMED_OUT;
            case EAGAIN:
                return VALUE_CHANGED;
            case EINTR:
                return INTERRUPTED;
            default:
                throw new PosixException("futex(FUTEX_WAIT)", errno);
        }
    }

    /**
     * {@code FUTEX_WAKE}: wakes up to {@code count} processes or threads waiting on {@code address}.
     *
     * @return how many were woken
     */
    public static int wake(long address, int count) {
        long r = Native.libc().syscall(LinuxLibC.Sys.FUTEX, address, FUTEX_WAKE, count, 0);
        if (r < 0) {
            throw new PosixException("futex(FUTEX_WAKE)", Native.errno());
        }
        return (int) r;
    }
}
