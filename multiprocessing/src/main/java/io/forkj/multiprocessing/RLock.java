package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.Timeouts;
import io.forkj.multiprocessing.internal.shm.RobustMutex;
import io.forkj.multiprocessing.internal.shm.Self;
import io.forkj.multiprocessing.internal.shm.SharedSegment;
import io.forkj.multiprocessing.internal.shm.Words;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A recursive lock shared by processes: Python's {@code multiprocessing.RLock}. The thread that holds it may
 * acquire it again; it is free when that thread has released it as many times. Only the holding thread of the
 * holding process may release it. A dead holder is handled as for {@link Lock}: the next acquirer gets
 * {@link OwnerDiedException} within {@value Lock#DEAD_HOLDER_CHECK_MILLIS} ms of blocking and the lock is free.
 */
public final class RLock implements SharedLock, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final int OWNER_THREAD = 16;
    private static final int COUNT = 24;

    private final transient SharedSegment segment;
    private final transient RobustMutex mutex;
    private final transient ByteBuffer buffer;
    private final transient Held held = this::release;

    /** A new, unlocked recursive lock: Python's {@code multiprocessing.RLock()}. */
    public RLock() {
        this(SharedSegment.create("forkj-RLock", 32));
    }

    RLock(SharedSegment segment) {
        this.segment = segment;
        this.buffer = segment.buffer();
        this.mutex = new RobustMutex(segment, 0, "RLock");
    }

    @Override
    public void acquire() {
        acquire(true, null);
    }

    @Override
    public boolean acquire(boolean block, Duration timeout) {
        long nanos = Timeouts.nanos(block, timeout);
        segment.enter("RLock");
        try {
            return acquireHere(nanos);
        } finally {
            segment.leave();
        }
    }

    private boolean acquireHere(long nanos) {
        if (isMine()) {
            Words.INT.setVolatile(buffer, COUNT, (int) Words.INT.getVolatile(buffer, COUNT) + 1);
            return true;
        }
        if (!mutex.lock(nanos)) {
            return false;
        }
        Words.LONG.setVolatile(buffer, OWNER_THREAD, Thread.currentThread().getId());
        Words.INT.setVolatile(buffer, COUNT, 1);
        return true;
    }

    private boolean isMine() {
        return mutex.holder() == Self.pid()
                && (long) Words.LONG.getVolatile(buffer, OWNER_THREAD) == Thread.currentThread().getId();
    }

    /**
     * Python's {@code release()}.
     *
     * @throws IllegalMonitorStateException if this thread does not hold it (Python: {@code RuntimeError:
     *                                      cannot release un-acquired lock})
     */
    @Override
    public void release() {
        segment.enter("RLock");
        try {
            releaseHere();
        } finally {
            segment.leave();
        }
    }

    private void releaseHere() {
        if (!isMine()) {
            int holder = mutex.holder();
            throw new IllegalMonitorStateException("cannot release un-acquired RLock: it is held by "
                    + (holder == 0 ? "nobody" : "pid " + holder + (holder == Self.pid() ? " (this process), thread id "
                    + (long) Words.LONG.getVolatile(buffer, OWNER_THREAD) : "")) + ", not by thread id "
                    + Thread.currentThread().getId() + " of pid " + Self.pid());
        }
        int count = (int) Words.INT.getVolatile(buffer, COUNT) - 1;
        Words.INT.setVolatile(buffer, COUNT, count);
        if (count == 0) {
            Words.LONG.setVolatile(buffer, OWNER_THREAD, 0L);
            mutex.unlock();
        }
    }

    @Override
    public Held hold() {
        acquire();
        return held;
    }

    /** How many times the holding thread has acquired it, 0 if free. */
    public int count() {
        segment.enter("RLock");
        try {
            return mutex.holder() == 0 ? 0 : (int) Words.INT.getVolatile(buffer, COUNT);
        } finally {
            segment.leave();
        }
    }

    /** Whether the calling thread holds it. */
    public boolean isHeldByCurrentThread() {
        segment.enter("RLock");
        try {
            return isMine();
        } finally {
            segment.leave();
        }
    }

    /** Releases it completely; returns the count to give {@link #restore(int)}. */
    int releaseAll() {
        segment.enter("RLock");
        try {
            if (!isMine()) {
                releaseHere();
            }
            int count = (int) Words.INT.getVolatile(buffer, COUNT);
            Words.INT.setVolatile(buffer, COUNT, 0);
            Words.LONG.setVolatile(buffer, OWNER_THREAD, 0L);
            mutex.unlock();
            return count;
        } finally {
            segment.leave();
        }
    }

    void restore(int count) {
        segment.enter("RLock");
        try {
            mutex.lock(-1);
            Words.LONG.setVolatile(buffer, OWNER_THREAD, Thread.currentThread().getId());
            Words.INT.setVolatile(buffer, COUNT, count);
        } finally {
            segment.leave();
        }
    }

    @Override
    public void close() {
        segment.close();
    }

    @Serial
    private Object writeReplace() throws ObjectStreamException {
        return Handle.of(Handle.Kind.RLOCK, segment, "RLock");
    }

    @Override
    public String toString() {
        try {
            segment.enter("RLock");
        } catch (IllegalStateException closed) {
            return "<RLock(closed)>";
        }
        try {
            int holder = mutex.holder();
            return "<RLock(" + (holder == 0 ? "None" : Integer.toString(holder)) + ", "
                    + (holder == 0 ? 0 : (int) Words.INT.getVolatile(buffer, COUNT)) + ")>";
        } finally {
            segment.leave();
        }
    }
}
