package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.Timeouts;
import io.forkj.multiprocessing.internal.shm.Futex;
import io.forkj.multiprocessing.internal.shm.SharedSegment;
import io.forkj.multiprocessing.internal.shm.WarmUp;
import io.forkj.multiprocessing.internal.shm.Words;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A flag shared by processes: Python's {@code multiprocessing.Event}. {@link #set()} wakes every waiter;
 * {@link #await(Duration)} (Python's {@code wait}, whose name {@code Object.wait} owns) returns at once while
 * the flag is set.
 */
public final class Event implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final long SLICE_NANOS = 100_000_000L;

    private final transient SharedSegment segment;
    private final transient ByteBuffer buffer;

    /** Python's {@code Event()}: cleared. */
    public Event() {
        this(SharedSegment.create("forkj-Event", 8));
    }

    Event(SharedSegment segment) {
        this.segment = segment;
        this.buffer = segment.buffer();
        segment.wakeOnClose(segment.address());
        WarmUp.ensure();
    }

    /** Python's {@code is_set()}. */
    public boolean isSet() {
        segment.enter("Event");
        try {
            return flag();
        } finally {
            segment.leave();
        }
    }

    private boolean flag() {
        return (int) Words.INT.getVolatile(buffer, 0) != 0;
    }

    /** Python's {@code set()}: sets the flag and wakes every waiter. */
    public void set() {
        segment.enter("Event");
        try {
            Words.INT.setVolatile(buffer, 0, 1);
            Futex.wake(segment.address(), Integer.MAX_VALUE);
        } finally {
            segment.leave();
        }
    }

    /** Python's {@code clear()}. */
    public void clear() {
        segment.enter("Event");
        try {
            Words.INT.setVolatile(buffer, 0, 0);
        } finally {
            segment.leave();
        }
    }

    /**
     * Python's {@code wait(timeout=None)}.
     *
     * @param timeout null waits for ever
     * @return whether the flag is set (false: the timeout ran out)
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public boolean await(Duration timeout) throws InterruptedException {
        long nanos = Timeouts.nanos(true, timeout);
        segment.enter("Event");
        try {
            return awaitHere(nanos);
        } finally {
            segment.leave();
        }
    }

    private boolean awaitHere(long nanos) throws InterruptedException {
        long start = System.nanoTime();
        while (!flag()) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted in Event.await");
            }
            long slice = SLICE_NANOS;
            if (nanos >= 0) {
                long left = nanos - (System.nanoTime() - start);
                if (left <= 0) {
                    return false;
                }
                slice = Math.min(slice, left);
            }
            Futex.await(segment.address(), 0, slice);
            segment.checkOpen("Event");
        }
        return true;
    }

    /** {@code await(null)}. */
    public void await() throws InterruptedException {
        await(null);
    }

    /**
     * Unmaps it in this process only, once no thread of this process is inside a call on it: threads waiting on it
     * here wake and throw {@link IllegalStateException}, as every later call does.
     */
    public void close() {
        segment.close();
    }

    @Serial
    private Object writeReplace() throws ObjectStreamException {
        return Handle.of(Handle.Kind.EVENT, segment, "Event");
    }
}
