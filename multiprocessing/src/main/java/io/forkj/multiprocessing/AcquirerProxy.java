package io.forkj.multiprocessing;

import java.util.concurrent.TimeUnit;

/**
 * A lock or semaphore held by a {@link Manager}: Python's {@code AcquirerProxy}, which {@code manager.Lock()},
 * {@code RLock()}, {@code Semaphore()} and {@code BoundedSemaphore()} return, usable from any process that has the
 * proxy. Unlike CPython's, what a process holds is given back when it exits or dies, so a dead holder cannot block
 * the others for ever: a lock is freed, a semaphore's permits are returned up to its initial value less what live
 * processes hold (a semaphore used as a signal does not grow when its consumer exits).
 */
public interface AcquirerProxy {

    /** Python's {@code acquire()}: blocks until the lock is taken; returns true. */
    boolean acquire();

    /** Python's {@code acquire(blocking=False)} when false: takes the lock only if it is free now. */
    boolean acquire(boolean blocking);

    /**
     * Python's {@code acquire(timeout=t)}: false if the lock was not taken in time.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative (Python's ValueError)
     */
    boolean acquire(long timeout, TimeUnit unit);

    /**
     * Python's {@code release()}. A Lock may be released by any thread, an RLock only by the thread holding it.
     *
     * @throws IllegalStateException if a lock is not held (by this thread, for an RLock), or a bounded semaphore
     *                               would go past its initial value (Python's RuntimeError / ValueError)
     */
    void release();

    /**
     * Python's {@code with lock:}: acquires and returns a handle whose {@code close()} releases, for
     * try-with-resources: {@code try (var held = lock.hold()) { ... }}.
     */
    default SharedLock.Held hold() {
        acquire();
        return this::release;
    }
}
