package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.Timeouts;
import io.forkj.multiprocessing.internal.shm.RobustMutex;
import io.forkj.multiprocessing.internal.shm.SharedSegment;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;

/**
 * A lock shared by processes: Python's {@code multiprocessing.Lock}, which survives its holder's death.
 *
 * <p>Any process or thread may release it (as in Python, where it is a semaphore). Pass it to FORK children as
 * it is, and to SPAWN and standby children as an argument: it crosses as its fd and is mapped again there.
 *
 * <p><b>A dead holder.</b> CPython's lock stays locked for ever when its holder is killed. Here, a process
 * blocked in {@link #acquire()} checks the holder every {@value #DEAD_HOLDER_CHECK_MILLIS} ms: if the holder's
 * process is gone, a zombie, or its pid now belongs to a newer process, exactly one acquirer gets
 * {@link OwnerDiedException} naming the dead pid, within {@value #DEAD_HOLDER_CHECK_MILLIS} ms of blocking (plus
 * scheduling delay on a loaded machine); the lock is then free and usable by everyone. A non-blocking
 * {@code acquire(false, null)} checks at most every {@value #DEAD_HOLDER_CHECK_MILLIS} ms per process.
 *
 * <p>Memory: one memfd page, freed by the kernel when the last process holding it exits or closes it.
 */
public final class Lock implements SharedLock, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    /** How often a blocked acquirer checks that the holder is alive. */
    public static final long DEAD_HOLDER_CHECK_MILLIS = RobustMutex.CHECK_NANOS / 1_000_000;

    private final transient SharedSegment segment;
    private final transient RobustMutex mutex;
    private final transient Held held = this::release;

    /** A new, unlocked lock: Python's {@code multiprocessing.Lock()}. */
    public Lock() {
        this(SharedSegment.create("forkj-Lock", RobustMutex.SIZE));
    }

    Lock(SharedSegment segment) {
        this.segment = segment;
        this.mutex = new RobustMutex(segment, 0, "Lock");
    }

    @Override
    public void acquire() {
        acquire(true, null);
    }

    @Override
    public boolean acquire(boolean block, Duration timeout) {
        long nanos = Timeouts.nanos(block, timeout);
        segment.enter("Lock");
        try {
            return mutex.lock(nanos);
        } finally {
            segment.leave();
        }
    }

    /**
     * Python's {@code release()}, from any thread or process.
     *
     * @throws IllegalStateException if the lock is not held (Python: {@code ValueError})
     */
    @Override
    public void release() {
        segment.enter("Lock");
        try {
            mutex.unlock();
        } finally {
            segment.leave();
        }
    }

    @Override
    public Held hold() {
        acquire();
        return held;
    }

    /** Whether some process holds it now (a snapshot). */
    public boolean isLocked() {
        return holderPid() != 0;
    }

    /** The pid of the process holding it, 0 if free (a snapshot). */
    public int holderPid() {
        segment.enter("Lock");
        try {
            return mutex.holder();
        } finally {
            segment.leave();
        }
    }

    @Override
    public void close() {
        segment.close();
    }

    RobustMutex mutex() {
        return mutex;
    }

    @Serial
    private Object writeReplace() throws ObjectStreamException {
        return Handle.of(Handle.Kind.LOCK, segment, "Lock");
    }

    @Override
    public String toString() {
        int holder;
        try {
            holder = holderPid();
        } catch (IllegalStateException closed) {
            return "<Lock(closed)>";
        }
        return "<Lock(owner=" + (holder == 0 ? "None" : Integer.toString(holder)) + ")>";
    }
}
