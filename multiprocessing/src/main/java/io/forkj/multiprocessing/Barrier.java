package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.Timeouts;
import io.forkj.multiprocessing.internal.shm.Futex;
import io.forkj.multiprocessing.internal.shm.RobustMutex;
import io.forkj.multiprocessing.internal.shm.SharedSegment;
import io.forkj.multiprocessing.internal.shm.Words;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;

/**
 * A barrier shared by processes: Python's {@code multiprocessing.Barrier(parties)}. {@link #await(Duration)}
 * (Python's {@code wait}) blocks until {@code parties} callers have arrived and returns each a distinct index
 * in {@code 0..parties-1}. A timeout, {@link #abort()} or {@link #reset()} breaks the waiting generation: its
 * waiters get {@link BrokenBarrierException} (Python: {@code BrokenBarrierError}).
 */
public final class Barrier implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final int COUNT = 16;
    private static final int GENERATION = 20;
    private static final int BROKEN = 24;
    private static final int BROKEN_GENERATION = 28;
    private static final int PARTIES = 32;
    private static final long SLICE_NANOS = 100_000_000L;

    private final transient SharedSegment segment;
    private final transient ByteBuffer buffer;
    private final transient RobustMutex mutex;

    /**
     * Python's {@code Barrier(parties)}.
     *
     * @throws IllegalArgumentException if parties is below 1
     */
    public Barrier(int parties) {
        this(create(parties));
    }

    private static SharedSegment create(int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("Barrier parties " + parties + " must be at least 1");
        }
        SharedSegment segment = SharedSegment.create("forkj-Barrier", 64);
        Words.INT.setVolatile(segment.buffer(), PARTIES, parties);
        Words.INT.setVolatile(segment.buffer(), BROKEN_GENERATION, -1);
        return segment;
    }

    Barrier(SharedSegment segment) {
        this.segment = segment;
        this.buffer = segment.buffer();
        this.mutex = new RobustMutex(segment, 0, "Barrier's internal lock");
        segment.wakeOnClose(segment.address() + GENERATION);
    }

    /** Python's {@code parties}. */
    public int parties() {
        return word(PARTIES);
    }

    /** Python's {@code n_waiting}. */
    public int nWaiting() {
        return word(COUNT);
    }

    /** Python's {@code broken}. */
    public boolean isBroken() {
        return word(BROKEN) != 0;
    }

    private int word(int at) {
        segment.enter("Barrier");
        try {
            return (int) Words.INT.getVolatile(buffer, at);
        } finally {
            segment.leave();
        }
    }

    /** {@code await(null)}. */
    public int await() throws InterruptedException, BrokenBarrierException {
        return await(null);
    }

    /**
     * Python's {@code wait(timeout=None)}.
     *
     * @return this caller's arrival index, 0 for the first to arrive, {@code parties - 1} for the last
     * @throws BrokenBarrierException if the barrier is or becomes broken, or the timeout runs out (which breaks it)
     * @throws InterruptedException   if interrupted while waiting (which breaks it)
     */
    public int await(Duration timeout) throws InterruptedException, BrokenBarrierException {
        long nanos = Timeouts.nanos(true, timeout);
        segment.enter("Barrier");
        try {
            return awaitHere(nanos);
        } finally {
            segment.leave();
        }
    }

    private int awaitHere(long nanos) throws InterruptedException, BrokenBarrierException {
        lockInternal();
        int generation;
        int index;
        try {
            if ((int) Words.INT.getVolatile(buffer, BROKEN) != 0) {
                throw new BrokenBarrierException("the Barrier is broken (Python: BrokenBarrierError)");
            }
            index = (int) Words.INT.getVolatile(buffer, COUNT);
            generation = (int) Words.INT.getVolatile(buffer, GENERATION);
            if (index + 1 == (int) Words.INT.getVolatile(buffer, PARTIES)) {
                Words.INT.setVolatile(buffer, COUNT, 0);
                Words.INT.setVolatile(buffer, GENERATION, generation + 1);
                Futex.wake(segment.address() + GENERATION, Integer.MAX_VALUE);
                return index;
            }
            Words.INT.setVolatile(buffer, COUNT, index + 1);
        } finally {
            mutex.unlock();
        }
        long start = System.nanoTime();
        while ((int) Words.INT.getVolatile(buffer, GENERATION) == generation) {
            if (Thread.interrupted()) {
                abort();
                throw new InterruptedException("interrupted in Barrier.await (the barrier is now broken)");
            }
            long slice = SLICE_NANOS;
            if (nanos >= 0) {
                long left = nanos - (System.nanoTime() - start);
                if (left <= 0) {
                    abort();
                    break;
                }
                slice = Math.min(slice, left);
            }
            Futex.await(segment.address() + GENERATION, generation, slice);
            segment.checkOpen("Barrier");
        }
        if ((int) Words.INT.getVolatile(buffer, BROKEN_GENERATION) == generation) {
            throw new BrokenBarrierException("the Barrier was broken while waiting (Python: BrokenBarrierError)");
        }
        return index;
    }

    /** Python's {@code abort()}: breaks the barrier; waiters and later callers get BrokenBarrierException. */
    public void abort() {
        segment.enter("Barrier");
        try {
            lockInternal();
            try {
                Words.INT.setVolatile(buffer, BROKEN, 1);
                breakGeneration();
            } finally {
                mutex.unlock();
            }
        } finally {
            segment.leave();
        }
    }

    /** Python's {@code reset()}: waiters get BrokenBarrierException, the barrier is empty and usable again. */
    public void reset() {
        segment.enter("Barrier");
        try {
            lockInternal();
            try {
                if ((int) Words.INT.getVolatile(buffer, COUNT) > 0) {
                    breakGeneration();
                }
                Words.INT.setVolatile(buffer, BROKEN, 0);
            } finally {
                mutex.unlock();
            }
        } finally {
            segment.leave();
        }
    }

    private void breakGeneration() {
        int generation = (int) Words.INT.getVolatile(buffer, GENERATION);
        Words.INT.setVolatile(buffer, BROKEN_GENERATION, generation);
        Words.INT.setVolatile(buffer, COUNT, 0);
        Words.INT.setVolatile(buffer, GENERATION, generation + 1);
        Futex.wake(segment.address() + GENERATION, Integer.MAX_VALUE);
    }

    private void lockInternal() {
        while (true) {
            try {
                mutex.lock(-1);
                return;
            } catch (OwnerDiedException deadArrival) {
                // A party died inside the few instructions under this lock; the counters are whole words, retry.
            }
        }
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
        return Handle.of(Handle.Kind.BARRIER, segment, "Barrier");
    }
}
