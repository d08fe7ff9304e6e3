package io.forkj.multiprocessing.internal.shm;

import io.forkj.multiprocessing.OwnerDiedException;

import java.nio.ByteBuffer;

/**
 * A counting semaphore in a {@link SharedSegment} whose permits come back when a holder dies. Besides the value
 * it keeps a table of holders, one slot per process (pid, start time, permits held), so a waiter that blocks for
 * {@link RobustMutex#CHECK_NANOS} scans the table, frees the slots of dead processes and returns their permits.
 *
 * <p>Permits are returned only up to {@code initial - permits held by live processes}: a semaphore used as a
 * signal (released by one process, acquired for good by another that then exits) gets nothing back. A process
 * that releases without holding a permit changes no slot. When more than {@link #SLOTS} processes hold permits
 * at once, further permits are not tracked (and not recoverable).
 *
 * <p>It is its segment's only object, so each public method holds the segment open itself
 * ({@link SharedSegment#enter}); {@link RobustMutex}, which lives in other objects' segments, leaves that to them.
 */
public final class RobustSemaphore {
    private static final int VALUE = 0;
    private static final int SLEEPERS = 4;
    private static final int INITIAL = 8;
    private static final int BOUND = 12;
    private static final int TABLE = 64;
    private static final int SLOT = 16;
    /** Processes that can hold permits at once and be tracked. */
    public static final int SLOTS = 128;
    /** Bytes a semaphore occupies. */
    public static final int SIZE = TABLE + SLOT * SLOTS;
    private static final int RECOVERING = -1;

    private final SharedSegment segment;
    private final ByteBuffer buffer;
    private final long valueAddress;
    private final String what;
    private final long checkNanos;
    private volatile long lastProbeNanos;
    /** Process-local guess of this process's slot; checked against the pid before use. */
    private volatile int slotGuess = -1;

    /** Attaches to a semaphore already initialized in {@code segment}. */
    public RobustSemaphore(SharedSegment segment, String what) {
        this(segment, what, RobustMutex.CHECK_NANOS);
        WarmUp.ensure();
    }

    /** With another liveness-check period: the warm-up runs every path at once with 0. */
    RobustSemaphore(SharedSegment segment, String what, long checkNanos) {
        this.segment = segment;
        this.buffer = segment.buffer();
        this.valueAddress = segment.address() + VALUE;
        this.what = what;
        this.checkNanos = checkNanos;
        segment.wakeOnClose(valueAddress);
    }

    /** Initializes a fresh (zeroed) segment: {@code bound} is -1 for an unbounded semaphore. */
    public static void initialize(SharedSegment segment, int initial, int bound) {
        ByteBuffer b = segment.buffer();
        Words.INT.setVolatile(b, INITIAL, initial);
        Words.INT.setVolatile(b, BOUND, bound);
        Words.INT.setVolatile(b, VALUE, initial);
    }

    /** The current value: Python's {@code get_value()}. */
    public int value() {
        segment.enter(what);
        try {
            return (int) Words.INT.getVolatile(buffer, VALUE);
        } finally {
            segment.leave();
        }
    }

    /** The bound of a bounded semaphore, -1 if unbounded. */
    public int bound() {
        segment.enter(what);
        try {
            return (int) Words.INT.getVolatile(buffer, BOUND);
        } finally {
            segment.leave();
        }
    }

    /**
     * Takes a permit, waiting at most {@code timeoutNanos} (0: do not wait; negative: no limit).
     *
     * @throws OwnerDiedException if a dead holder's permits were returned (the caller holds none from this call)
     */
    public boolean acquire(long timeoutNanos) {
        segment.enter(what);
        try {
            return acquireHere(timeoutNanos);
        } finally {
            segment.leave();
        }
    }

    private boolean acquireHere(long timeoutNanos) {
        if (tryTake()) {
            return true;
        }
        if (timeoutNanos == 0) {
            long now = System.nanoTime();
            if (now - lastProbeNanos >= checkNanos) {
                lastProbeNanos = now;
                recoverDead();
            }
            return tryTake();
        }
        long start = System.nanoTime();
        long lastCheck = start;
        Words.INT.getAndAdd(buffer, SLEEPERS, 1);
        try {
            while (true) {
                if (tryTake()) {
                    return true;
                }
                long now = System.nanoTime();
                if (now - lastCheck >= checkNanos) {
                    lastCheck = now;
                    recoverDead();
                }
                long slice = Math.max(checkNanos, 1_000_000L) - (now - lastCheck);
                if (timeoutNanos > 0) {
                    long left = timeoutNanos - (now - start);
                    if (left <= 0) {
                        return false;
                    }
                    slice = Math.min(slice, left);
                }
                Futex.await(valueAddress, 0, Math.max(slice, 1));
                segment.checkOpen(what);
            }
        } finally {
            Words.INT.getAndAdd(buffer, SLEEPERS, -1);
        }
    }

    private boolean tryTake() {
        int v = (int) Words.INT.getVolatile(buffer, VALUE);
        while (v > 0) {
            int seen = (int) Words.INT.compareAndExchange(buffer, VALUE, v, v - 1);
            if (seen == v) {
                record();
                return true;
            }
            v = seen;
        }
        return false;
    }

    /**
     * Gives a permit back and wakes one waiter.
     *
     * @throws IllegalStateException past the bound of a bounded semaphore (value unchanged)
     */
    public void release() {
        segment.enter(what);
        try {
            releaseHere();
        } finally {
            segment.leave();
        }
    }

    private void releaseHere() {
        int bound = (int) Words.INT.getVolatile(buffer, BOUND);
        int v = (int) Words.INT.getVolatile(buffer, VALUE);
        while (true) {
            if (bound >= 0 && v >= bound) {
                throw new IllegalStateException(what + " released too many times: its value " + v
                        + " is already at its bound " + bound + " (Python: ValueError)");
            }
            if (v == Integer.MAX_VALUE) {
                throw new IllegalStateException(what + " value would overflow past " + v);
            }
            int seen = (int) Words.INT.compareAndExchange(buffer, VALUE, v, v + 1);
            if (seen == v) {
                break;
            }
            v = seen;
        }
        unrecord();
        if ((int) Words.INT.getVolatile(buffer, SLEEPERS) > 0) {
            Futex.wake(valueAddress, 1);
        }
    }

    private int mySlot(boolean claim) {
        int me = Self.pid();
        int guess = slotGuess;
        if (guess >= 0 && (int) Words.INT.getVolatile(buffer, TABLE + guess * SLOT) == me) {
            return guess;
        }
        for (int i = 0; i < SLOTS; i++) {
            if ((int) Words.INT.getVolatile(buffer, TABLE + i * SLOT) == me) {
                slotGuess = i;
                return i;
            }
        }
        if (!claim) {
            return -1;
        }
        for (int i = 0; i < SLOTS; i++) {
            int at = TABLE + i * SLOT;
            if ((int) Words.INT.getVolatile(buffer, at) == 0 && (boolean) Words.INT.compareAndSet(buffer, at, 0, me)) {
                Words.LONG.setVolatile(buffer, at + 8, Self.startTime());
                slotGuess = i;
                return i;
            }
        }
        return -1;
    }

    private void record() {
        int slot = mySlot(true);
        if (slot >= 0) {
            Words.INT.getAndAdd(buffer, TABLE + slot * SLOT + 4, 1);
        }
    }

    private void unrecord() {
        int slot = mySlot(false);
        if (slot < 0) {
            return;
        }
        int at = TABLE + slot * SLOT + 4;
        int held = (int) Words.INT.getVolatile(buffer, at);
        while (held > 0) {
            int seen = (int) Words.INT.compareAndExchange(buffer, at, held, held - 1);
            if (seen == held) {
                return;
            }
            held = seen;
        }
    }

    /** Permits this process holds according to the table. */
    public int heldByThisProcess() {
        segment.enter(what);
        try {
            int slot = mySlot(false);
            return slot < 0 ? 0 : (int) Words.INT.getVolatile(buffer, TABLE + slot * SLOT + 4);
        } finally {
            segment.leave();
        }
    }

    private void recoverDead() {
        int returned = 0;
        int firstDead = 0;
        for (int i = 0; i < SLOTS; i++) {
            int at = TABLE + i * SLOT;
            int pid = (int) Words.INT.getVolatile(buffer, at);
            if (pid <= 0) {
                continue;
            }
            long start = (long) Words.LONG.getVolatile(buffer, at + 8);
            if (Liveness.isDead(pid, start) && (boolean) Words.INT.compareAndSet(buffer, at, pid, RECOVERING)) {
                int held = (int) Words.INT.getAndSet(buffer, at + 4, 0);
                Words.LONG.setVolatile(buffer, at + 8, 0L);
                Words.INT.setVolatile(buffer, at, 0);
                if (held > 0) {
                    returned += held;
                    if (firstDead == 0) {
                        firstDead = pid;
                    }
                }
            }
        }
        if (returned == 0) {
            return;
        }
        int liveHeld = 0;
        for (int i = 0; i < SLOTS; i++) {
            int at = TABLE + i * SLOT;
            if ((int) Words.INT.getVolatile(buffer, at) > 0) {
                liveHeld += (int) Words.INT.getVolatile(buffer, at + 4);
            }
        }
        int cap = (int) Words.INT.getVolatile(buffer, INITIAL) - liveHeld;
        int v = (int) Words.INT.getVolatile(buffer, VALUE);
        int given;
        while (true) {
            int next = Math.max(v, Math.min(v + returned, cap));
            int seen = (int) Words.INT.compareAndExchange(buffer, VALUE, v, next);
            if (seen == v) {
                given = next - v;
                break;
            }
            v = seen;
        }
        if (given > 0) {
            Futex.wake(valueAddress, Integer.MAX_VALUE);
            throw new OwnerDiedException(what, firstDead, given);
        }
    }
}
