package io.forkj.multiprocessing;

import java.util.concurrent.TimeUnit;

/**
 * A lock held by a {@link Manager}: Python's {@code manager.Lock()} ({@code AcquirerProxy}), usable from any process
 * that has the proxy. Unlike a lock in CPython's manager, it is released when the connection of the process
 * holding it closes (that process exited or died), so a dead holder cannot block the others for ever.
 */
public interface AcquirerProxy {

    /** Python's {@code acquire()}: blocks until the lock is taken; returns true. */
    boolean acquire();

    /** Python's {@code acquire(blocking=False)} when false: takes the lock only if it is free now. */
    boolean acquire(boolean blocking);

    /** Python's {@code acquire(timeout=t)}: false if the lock was not taken in time. */
    boolean acquire(long timeout, TimeUnit unit);

    /**
     * Python's {@code release()}.
     *
     * @throws IllegalStateException if the lock is not held (Python's ValueError / RuntimeError)
     */
    void release();
}
