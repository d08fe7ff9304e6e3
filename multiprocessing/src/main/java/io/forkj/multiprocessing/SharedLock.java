package io.forkj.multiprocessing;

import java.time.Duration;

/**
 * What {@link Lock} and {@link RLock} share: Python's lock protocol ({@code acquire(block=True, timeout=None)},
 * {@code release()}, {@code with lock:}). Both survive a holder's death: see {@link Lock}.
 */
public sealed interface SharedLock permits Lock, RLock {
    /**
     * Blocks until the lock is held: Python's {@code acquire()}. Not interruptible (like
     * {@link java.util.concurrent.locks.Lock#lock()}).
     *
     * @throws OwnerDiedException if the holder died: the lock is then free, the caller does not hold it
     */
    void acquire();

    /**
     * Python's {@code acquire(block, timeout)}.
     *
     * @param block   false: take it only if free now
     * @param timeout with block, the longest wait; null waits for ever
     * @return whether the caller now holds the lock
     * @throws OwnerDiedException       if the holder died (the lock is free, not held by the caller)
     * @throws IllegalArgumentException for a negative timeout
     */
    boolean acquire(boolean block, Duration timeout);

    /** Python's {@code release()}. */
    void release();

    /**
     * Python's {@code with lock:}: acquires and returns a handle whose {@code close()} releases, for
     * try-with-resources: {@code try (var held = lock.hold()) { ... }}.
     */
    Held hold();

    /**
     * Python's {@code multiprocessing} objects have no close; this unmaps the lock in this process only, once no
     * thread of this process is inside a call on it: threads waiting for it here wake and throw
     * {@link IllegalStateException}, as every later call does.
     */
    void close();

    /** The acquired lock, released by {@link #close()}. */
    interface Held extends AutoCloseable {
        /** Releases the lock. */
        @Override
        void close();
    }
}
