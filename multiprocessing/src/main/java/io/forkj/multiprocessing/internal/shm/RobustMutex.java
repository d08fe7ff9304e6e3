package io.forkj.multiprocessing.internal.shm;

import io.forkj.multiprocessing.OwnerDiedException;

import java.nio.ByteBuffer;

/**
 * A mutex in 16 bytes of a {@link SharedSegment} that survives its holder's death. The 32-bit futex word holds
 * the holder's pid (0 = free) and {@link #WAITERS}, set by anyone about to sleep, so an uncontended
 * {@code unlock} is one atomic exchange and no system call. The next 8 bytes hold the holder's start time, so a
 * waiter that finds the pid alive can tell a recycled pid from the holder.
 *
 * <p>Ownership is per process, not per thread: like CPython's {@code multiprocessing.Lock} (a semaphore), any
 * thread or process may unlock. Waiters sleep on the word in slices of {@link #CHECK_NANOS}; after each slice
 * without progress they read the holder's {@code /proc/PID/stat}. A dead (gone, zombie, or recycled) holder's
 * word is swapped to 0 by exactly one waiter, which wakes everybody and throws {@link OwnerDiedException}.
 *
 * <p>Callers are inside their segment ({@link SharedSegment#enter}) for every call; a wait ends with
 * {@link IllegalStateException} when the segment is closed in this process.
 */
public final class RobustMutex {
    /** Bit 31 of the word: someone sleeps, {@code unlock} must wake. */
    public static final int WAITERS = 0x8000_0000;
    /** The pid part of the word (Linux pids are below 2^22). */
    public static final int PID_MASK = 0x3FFF_FFFF;
    /** How often a blocked acquirer checks the holder's liveness: the bound on noticing a dead holder. */
    public static final long CHECK_NANOS = 100_000_000L;
    /** Bytes the mutex occupies. */
    public static final int SIZE = 16;

    private final SharedSegment segment;
    private final ByteBuffer buffer;
    private final int offset;
    private final long wordAddress;
    private final String what;
    private final long checkNanos;
    /** Process-local: when a failed non-blocking attempt last looked at the holder. */
    private volatile long lastProbeNanos;

    /** The mutex at {@code offset} (8-aligned) of {@code segment}; {@code what} names it in errors. */
    public RobustMutex(SharedSegment segment, int offset, String what) {
        this(segment, offset, what, CHECK_NANOS);
        WarmUp.ensure();
    }

    /** With another liveness-check period: the warm-up runs every path at once with 0. */
    RobustMutex(SharedSegment segment, int offset, String what, long checkNanos) {
        this.checkNanos = checkNanos;
        this.segment = segment;
        this.buffer = segment.buffer();
        this.offset = offset;
        this.wordAddress = segment.address() + offset;
        this.what = what;
        segment.wakeOnClose(wordAddress);
    }

    /** Takes the mutex if it is free; never blocks. */
    public boolean tryLock() {
        int me = Self.pid();
        if ((boolean) Words.INT.compareAndSet(buffer, offset, 0, me)) {
            Words.LONG.setOpaque(buffer, offset + 8, Self.startTime());
            return true;
        }
        return false;
    }

    /**
     * Takes the mutex, waiting at most {@code timeoutNanos} (negative: no limit).
     *
     * @return false if the time ran out
     * @throws OwnerDiedException if the holder was found dead: the mutex is then free, not held by the caller
     */
    public boolean lock(long timeoutNanos) {
        if (tryLock()) {
            return true;
        }
        if (timeoutNanos == 0) {
            long now = System.nanoTime();
            if (now - lastProbeNanos >= checkNanos) {
                lastProbeNanos = now;
                recoverIfHolderDead((int) Words.INT.getVolatile(buffer, offset));
            }
            return tryLock();
        }
        return lockSlow(timeoutNanos);
    }

    /**
     * Spins this many times, watching for a free word, before sleeping: a holder on another CPU usually releases
     * within a few hundred nanoseconds, far sooner than a futex sleep and wake (two system calls) would hand over.
     */
    private static final int SPINS = 100;

    private boolean lockSlow(long timeoutNanos) {
        int me = Self.pid();
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            int word = (int) Words.INT.getVolatile(buffer, offset);
            if (word == 0 && (boolean) Words.INT.compareAndSet(buffer, offset, 0, me)) {
                Words.LONG.setOpaque(buffer, offset + 8, Self.startTime());
                return true;
            }
            if ((word & WAITERS) != 0) {
                break;
            }
        }
        long start = System.nanoTime();
        long lastCheck = start;
        while (true) {
            int word = (int) Words.INT.getVolatile(buffer, offset);
            if (word == 0) {
                // Having waited, assume others wait too: unlock will then wake one (Drepper's "mutex 3").
                if ((boolean) Words.INT.compareAndSet(buffer, offset, 0, me | WAITERS)) {
                    Words.LONG.setOpaque(buffer, offset + 8, Self.startTime());
                    return true;
                }
                continue;
            }
            if ((word & WAITERS) == 0 && !(boolean) Words.INT.compareAndSet(buffer, offset, word, word | WAITERS)) {
                continue;
            }
            long now = System.nanoTime();
            if (now - lastCheck >= checkNanos) {
                lastCheck = now;
                recoverIfHolderDead(word | WAITERS);
            }
            long slice = Math.max(checkNanos, 1_000_000L) - (now - lastCheck);
            if (timeoutNanos >= 0) {
                long left = timeoutNanos - (now - start);
                if (left <= 0) {
                    return false;
                }
                slice = Math.min(slice, left);
            }
            Futex.await(wordAddress, word | WAITERS, Math.max(slice, 1));
            segment.checkOpen(what);
        }
    }

    private void recoverIfHolderDead(int word) {
        int holder = word & PID_MASK;
        if (holder == 0) {
            return;
        }
        long holderStart = (long) Words.LONG.getVolatile(buffer, offset + 8);
        if ((int) Words.INT.getVolatile(buffer, offset) != word) {
            return;
        }
        if (Liveness.isDead(holder, holderStart)
                && (boolean) Words.INT.compareAndSet(buffer, offset, word, 0)) {
            Futex.wake(wordAddress, Integer.MAX_VALUE);
            throw new OwnerDiedException(what, holder, 1);
        }
    }

    /**
     * Frees the mutex and wakes one sleeper if any.
     *
     * @throws IllegalStateException if it was not held ("released too many times")
     */
    public void unlock() {
        Words.LONG.setOpaque(buffer, offset + 8, 0L);
        int word = (int) Words.INT.getAndSet(buffer, offset, 0);
        if (word == 0) {
            throw new IllegalStateException(what + " released while not held (Python: ValueError: semaphore or"
                    + " lock released too many times)");
        }
        if ((word & WAITERS) != 0) {
            Futex.wake(wordAddress, 1);
        }
    }

    /** The holder's pid, 0 if free. */
    public int holder() {
        return (int) Words.INT.getVolatile(buffer, offset) & PID_MASK;
    }

    /** The segment this mutex lives in. */
    public SharedSegment segment() {
        return segment;
    }
}
