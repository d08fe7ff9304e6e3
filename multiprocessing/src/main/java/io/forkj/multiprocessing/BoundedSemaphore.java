package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.shm.SharedSegment;

import java.io.Serial;

/**
 * Python's {@code multiprocessing.BoundedSemaphore(value=1)}: a {@link Semaphore} whose {@link #release()} fails
 * with {@link IllegalStateException} (Python: {@code ValueError}) instead of raising the value above its initial
 * value; the value is then unchanged.
 */
public final class BoundedSemaphore extends Semaphore {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Python's {@code BoundedSemaphore(1)}. */
    public BoundedSemaphore() {
        this(1);
    }

    /**
     * Python's {@code BoundedSemaphore(value)}: {@code value} is also the bound.
     *
     * @throws IllegalArgumentException if value is negative
     */
    public BoundedSemaphore(int value) {
        super(create(value, value, "BoundedSemaphore"), true);
    }

    BoundedSemaphore(SharedSegment segment) {
        super(segment, true);
    }
}
