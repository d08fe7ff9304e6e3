package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.Timeouts;
import io.forkj.multiprocessing.internal.shm.RobustSemaphore;
import io.forkj.multiprocessing.internal.shm.SharedSegment;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;

/**
 * A counting semaphore shared by processes: Python's {@code multiprocessing.Semaphore(value=1)}.
 *
 * <p><b>A dead holder.</b> Permits are tracked per process. When a process dies (or exits) holding permits, a
 * process blocked in {@link #acquire()} notices within {@value Lock#DEAD_HOLDER_CHECK_MILLIS} ms of blocking
 * (plus scheduling delay), returns them, and exactly one acquirer gets {@link OwnerDiedException} naming the
 * dead pid and the permits returned; it holds no permit from that call. Permits are returned only up to
 * {@code initial value - permits held by live processes}, so a semaphore used as a signal (released in one
 * process, acquired for good in another) does not grow when its consumer exits. Up to
 * {@value io.forkj.multiprocessing.internal.shm.RobustSemaphore#SLOTS} processes can hold permits at once and be
 * tracked.
 */
public sealed class Semaphore implements Serializable permits BoundedSemaphore {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient SharedSegment segment;
    private final transient RobustSemaphore semaphore;
    private final transient boolean bounded;

    /** Python's {@code Semaphore(1)}. */
    public Semaphore() {
        this(1);
    }

    /**
     * Python's {@code Semaphore(value)}.
     *
     * @throws IllegalArgumentException if value is negative (Python: {@code ValueError})
     */
    public Semaphore(int value) {
        this(create(value, -1, "Semaphore"), false);
    }

    Semaphore(SharedSegment segment, boolean bounded) {
        this.segment = segment;
        this.bounded = bounded;
        this.semaphore = new RobustSemaphore(segment, bounded ? "BoundedSemaphore" : "Semaphore");
    }

    static SharedSegment create(int value, int bound, String what) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " initial value " + value + " must be >= 0 (Python: ValueError)");
        }
        SharedSegment segment = SharedSegment.create("forkj-" + what, RobustSemaphore.SIZE);
        RobustSemaphore.initialize(segment, value, bound);
        return segment;
    }

    /**
     * Blocks until a permit is taken: Python's {@code acquire()}. Not interruptible.
     *
     * @throws OwnerDiedException if a dead holder's permits were returned (the caller took none)
     */
    public void acquire() {
        semaphore.acquire(-1);
    }

    /**
     * Python's {@code acquire(block, timeout)}.
     *
     * @param timeout null waits for ever
     * @return whether a permit was taken
     * @throws OwnerDiedException if a dead holder's permits were returned (the caller took none)
     */
    public boolean acquire(boolean block, Duration timeout) {
        return semaphore.acquire(Timeouts.nanos(block, timeout));
    }

    /**
     * Python's {@code release()}: gives one permit back, from any thread or process.
     *
     * @throws IllegalStateException for a {@link BoundedSemaphore} already at its bound (Python:
     *                               {@code ValueError: semaphore or lock released too many times})
     */
    public void release() {
        semaphore.release();
    }

    /** Python's {@code with sem:}: {@code try (var permit = sem.hold()) { ... }}. */
    public SharedLock.Held hold() {
        acquire();
        return this::release;
    }

    /** Python's {@code get_value()}: the permits available now. */
    public int getValue() {
        return semaphore.value();
    }

    /**
     * Unmaps it in this process only, once no thread of this process is inside a call on it: threads waiting on it
     * here wake and throw {@link IllegalStateException}, as every later call does.
     */
    public void close() {
        segment.close();
    }

    private String kind() {
        return bounded ? "BoundedSemaphore" : "Semaphore";
    }

    @Serial
    Object writeReplace() throws ObjectStreamException {
        return Handle.of(bounded ? Handle.Kind.BOUNDED_SEMAPHORE : Handle.Kind.SEMAPHORE, segment, kind());
    }

    @Override
    public String toString() {
        return "<" + kind() + "(value=" + getValue() + ")>";
    }
}
