package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.Timeouts;
import io.forkj.multiprocessing.internal.shm.Futex;
import io.forkj.multiprocessing.internal.shm.Self;
import io.forkj.multiprocessing.internal.shm.SharedSegment;
import io.forkj.multiprocessing.internal.shm.WarmUp;
import io.forkj.multiprocessing.internal.shm.Words;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A condition variable shared by processes: Python's {@code multiprocessing.Condition(lock=None)} (an
 * {@link RLock} unless a lock is given). {@link #await(Duration)} releases the lock, sleeps until notified, and
 * takes the lock again. As Python's documentation allows, {@code notify(n)} may wake more than {@code n}
 * waiters, and a wait may return without a notify: wait in a loop on the predicate, or use
 * {@link #waitFor(BooleanSupplier, Duration)}. Java's final {@code Object.wait} and {@code Object.notify} own
 * Python's names, so they are {@code await}, {@code signal} and {@code signalAll} here.
 */
public final class Condition implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final int SEQUENCE = 0;
    private static final int SLEEPERS = 4;
    private static final long SLICE_NANOS = 100_000_000L;

    private final transient SharedSegment segment;
    private final transient ByteBuffer buffer;
    @SuppressWarnings("serial") // a Lock or an RLock, both serializable; a Condition crosses as its writeReplace
    private final SharedLock lock;

    /** Python's {@code Condition()}: with a new {@link RLock}. */
    public Condition() {
        this(new RLock());
    }

    /** Python's {@code Condition(lock)}. */
    public Condition(SharedLock lock) {
        this(SharedSegment.create("forkj-Condition", 16), Objects.requireNonNull(lock, "lock"));
    }

    Condition(SharedSegment segment, SharedLock lock) {
        this.segment = segment;
        this.buffer = segment.buffer();
        this.lock = lock;
        segment.wakeOnClose(segment.address() + SEQUENCE);
        WarmUp.ensure();
    }

    /** The lock this condition uses. */
    public SharedLock getLock() {
        return lock;
    }

    /** {@code with cond:} acquires the condition's lock. */
    public SharedLock.Held hold() {
        return lock.hold();
    }

    /** The lock's {@code acquire()}. */
    public void acquire() {
        lock.acquire();
    }

    /** The lock's {@code release()}. */
    public void release() {
        lock.release();
    }

    /**
     * Python's {@code wait(timeout=None)}: releases the lock, waits for a notify or the timeout, re-acquires.
     *
     * @param timeout null waits for ever
     * @return false if the timeout ran out
     * @throws IllegalMonitorStateException if the caller does not hold the lock (Python: {@code RuntimeError})
     * @throws InterruptedException         if the thread is interrupted while waiting (the lock is re-acquired)
     */
    public boolean await(Duration timeout) throws InterruptedException {
        checkOwned("wait");
        long nanos = Timeouts.nanos(true, timeout);
        segment.enter("Condition");
        try {
            return awaitHere(nanos);
        } finally {
            segment.leave();
        }
    }

    private boolean awaitHere(long nanos) throws InterruptedException {
        int sequence = (int) Words.INT.getVolatile(buffer, SEQUENCE);
        Words.INT.getAndAdd(buffer, SLEEPERS, 1);
        int saved = releaseAll();
        boolean notified = false;
        boolean interrupted = false;
        try {
            long start = System.nanoTime();
            while (true) {
                if ((int) Words.INT.getVolatile(buffer, SEQUENCE) != sequence) {
                    notified = true;
                    break;
                }
                if (Thread.interrupted()) {
                    interrupted = true;
                    break;
                }
                long slice = SLICE_NANOS;
                if (nanos >= 0) {
                    long left = nanos - (System.nanoTime() - start);
                    if (left <= 0) {
                        break;
                    }
                    slice = Math.min(slice, left);
                }
                Futex.await(segment.address() + SEQUENCE, sequence, slice);
                segment.checkOpen("Condition");
            }
        } finally {
            Words.INT.getAndAdd(buffer, SLEEPERS, -1);
            restore(saved);
        }
        if (interrupted) {
            throw new InterruptedException("interrupted in Condition.await");
        }
        return notified;
    }

    /** {@code await(null)}. */
    public void await() throws InterruptedException {
        await(null);
    }

    /**
     * Python's {@code wait_for(predicate, timeout=None)}: waits until {@code predicate} is true, checking it with
     * the lock held.
     *
     * @return the predicate's last value
     */
    public boolean waitFor(BooleanSupplier predicate, Duration timeout) throws InterruptedException {
        long nanos = Timeouts.nanos(true, timeout);
        long start = System.nanoTime();
        boolean result = predicate.getAsBoolean();
        while (!result) {
            Duration left = null;
            if (nanos >= 0) {
                long remaining = nanos - (System.nanoTime() - start);
                if (remaining <= 0) {
                    break;
                }
                left = Duration.ofNanos(remaining);
            }
            await(left);
            result = predicate.getAsBoolean();
        }
        return result;
    }

    /**
     * Python's {@code notify(n=1)}: wakes at least {@code n} waiters if there are that many.
     *
     * @throws IllegalMonitorStateException if the caller does not hold the lock
     */
    public void signal(int n) {
        checkOwned("notify");
        if (n < 0) {
            throw new IllegalArgumentException("notify count " + n + " must not be negative");
        }
        segment.enter("Condition");
        try {
            Words.INT.getAndAdd(buffer, SEQUENCE, 1);
            if ((int) Words.INT.getVolatile(buffer, SLEEPERS) > 0 && n > 0) {
                Futex.wake(segment.address() + SEQUENCE, n);
            }
        } finally {
            segment.leave();
        }
    }

    /** Python's {@code notify()}. */
    public void signal() {
        signal(1);
    }

    /** Python's {@code notify_all()}. */
    public void signalAll() {
        signal(Integer.MAX_VALUE);
    }

    private void checkOwned(String operation) {
        boolean owned = lock instanceof RLock
                ? ((RLock) lock).isHeldByCurrentThread()
                : ((Lock) lock).holderPid() == Self.pid();
        if (!owned) {
            throw new IllegalMonitorStateException("cannot " + operation + " on un-acquired lock (Python: RuntimeError)");
        }
    }

    private int releaseAll() {
        if (lock instanceof RLock) {
            return ((RLock) lock).releaseAll();
        }
        lock.release();
        return 1;
    }

    private void restore(int saved) {
        if (lock instanceof RLock) {
            ((RLock) lock).restore(saved);
        } else {
            lock.acquire();
        }
    }

    /**
     * Unmaps it (not its lock) in this process only, once no thread of this process is inside a call on it:
     * threads waiting on it here wake and throw {@link IllegalStateException}, as every later call does.
     */
    public void close() {
        segment.close();
    }

    @Serial
    private Object writeReplace() throws ObjectStreamException {
        return Handle.of(Handle.Kind.CONDITION, segment, "Condition", ' ', 0, (Serializable) lock, null);
    }
}
