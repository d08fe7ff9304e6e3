package io.forkj.multiprocessing.internal.queue;

import io.forkj.multiprocessing.OwnerDiedException;
import io.forkj.multiprocessing.TasksLostException;
import io.forkj.multiprocessing.internal.shm.Futex;
import io.forkj.multiprocessing.internal.shm.Liveness;
import io.forkj.multiprocessing.internal.shm.RobustMutex;
import io.forkj.multiprocessing.internal.shm.Self;
import io.forkj.multiprocessing.internal.shm.SharedSegment;
import io.forkj.multiprocessing.internal.shm.Words;
import io.forkj.posix.internal.libc.Native;

import java.nio.ByteBuffer;

/**
 * A multi-producer, multi-consumer queue of byte records in one shared-memory segment (memfd, {@code MAP_SHARED}):
 * the structure under forkj's {@code Queue}, {@code SimpleQueue} and {@code JoinableQueue}.
 *
 * <p>A put copies its record into the ring while holding a {@link RobustMutex} and returns: no feeder thread, no
 * pipe buffer, so a producer may exit the moment {@code put} returns (CPython's queue hands items to a feeder
 * thread and a child cannot exit until they are flushed into the pipe). Records are {@code [int length][bytes]}
 * padded to 4 bytes; the ring is a circle of {@code capacity} bytes addressed by ever-growing 64-bit head and tail
 * offsets. A record longer than the ring is refused at put (a queue is for messages: make the ring bigger for
 * bigger ones); a put that finds the ring (or the item count) full waits.
 *
 * <p>Waiting uses two futex words, bumped by every put (consumers wait on it) and every get (producers wait on it),
 * and a waiter count each, so a put or get with no one waiting makes no system call. A put wakes one consumer (a
 * consumer that leaves its wait without taking a record, interrupted, passes the wake-up on). A get from a queue
 * full by its item count ({@code maxsize}) wakes one waiting producer, since one place is free; otherwise it wakes
 * every waiting producer, since which of them fits in the room it freed depends on their records' sizes.
 *
 * <p>A "dirty" word is set while the ring is being changed: if a process dies holding the mutex (SIGKILL mid-put),
 * the next holder finds it set and rebuilds the count from the records between head and tail; a half-written record
 * was never published, because the tail moves only after the copy. A put that also counts a task (JoinableQueue)
 * first journals the tail it publishes at and the unfinished-task count before it: the next holder sets the count
 * from the journal, plus one if the tail moved, whether or not the dead put got to its own increment (without the
 * journal, a death between the tail's store and the count's left a published item that was no task, and its
 * {@code task_done()} threw or let {@code join()} return one task early).
 *
 * <p>A JoinableQueue's ring also keeps a takers' table: per process, the items it got and has not marked done.
 * {@code join()} looks those processes up and writes off the items of one that ended ({@link TasksLostException}),
 * since their records left with it and no {@code task_done()} will come. A tracked get, a {@code task_done()} and a
 * write-off journal the slot they change, and the repair finishes them.
 */
public final class Ring {
    private static final int MUTEX = 0;
    private static final int HEAD = 64;
    private static final int TAIL = 72;
    private static final int COUNT = 80;
    private static final int MAXSIZE = 84;
    private static final int UNFINISHED = 88;
    private static final int DIRTY = 92;
    private static final int CAPACITY = 96;
    /** A task-counting put's journal: the unfinished-task count before it, and the tail it publishes at. */
    private static final int JOURNAL_UNFINISHED = 100;
    private static final int JOURNAL_TAIL = 104;
    /** A write-off's journal: {@link #WRITTEN_OFF} before it. */
    private static final int JOURNAL_WRITTEN = 108;
    /** A taker-changing call's journal: the taker slot it changes, that slot's count before it, the head before it. */
    private static final int JOURNAL_SLOT = 112;
    private static final int JOURNAL_HELD = 116;
    private static final int JOURNAL_HEAD = 120;
    /**
     * Items written off whose {@code task_done()} may still come: an item handed over by a process that then ended
     * is marked done late by the process it went to. A {@code task_done()} when no item is out counts against them.
     */
    private static final int WRITTEN_OFF = 124;
    private static final int PUT_SEQ = 128;
    private static final int GET_WAITERS = 132;
    private static final int GET_SEQ = 192;
    private static final int PUT_WAITERS = 196;
    private static final int JOIN_SEQ = 256;
    private static final int JOIN_WAITERS = 260;
    /**
     * The takers' table of a JoinableQueue: one slot per process that got items, {@code [int pid][int held]
     * [long start time]}, held counting the items it got and has not yet marked done.
     */
    private static final int TAKERS = 384;
    private static final int TAKER = 16;
    /** Processes whose unfinished items a JoinableQueue tracks at once; a process past them is not tracked. */
    public static final int TAKER_SLOTS = 128;
    private static final int DATA = TAKERS + TAKER * TAKER_SLOTS;
    private static final long SLICE_NANOS = 1_000_000_000L;
    private static final int SPINS = 200;
    /** {@link #DIRTY}'s values: the count may be off; the count may be off and a task-counting put is journaled. */
    private static final int DIRTY_COUNT = 1;
    private static final int DIRTY_TASK_PUT = 2;
    /** A tracked get, a task_done and a dead taker's write-off, each journaled, rolled forward (or back) by the repair. */
    private static final int DIRTY_TASK_GET = 3;
    private static final int DIRTY_TASK_DONE = 4;
    private static final int DIRTY_WRITE_OFF = 5;
    /**
     * For tests only: when true, a put ends its process ({@code _exit}) right after publishing its record, holding
     * the mutex, before the item count and the task count: the narrowest window a death can leave. A test sets it
     * in a child by reflection.
     */
    private static boolean dieAfterPublishing;
    /** For tests only, as {@link #dieAfterPublishing}: a {@code task_done()} ends its process between its two stores. */
    private static boolean dieInTaskDone;
    /** For tests only, as {@link #dieAfterPublishing}: a tracked get ends its process after moving the head. */
    private static boolean dieAfterTaking;

    /** The default ring size: 1 MiB (pages are allocated as they are first touched). */
    public static final int DEFAULT_CAPACITY = 1 << 20;
    /** Rounds of put and get in the warm-up: past the interpreter's profiling thresholds, so the JIT takes them. */
    private static final int WARM_UP_ROUNDS = 1_000;
    private static volatile boolean warm;
    /** Whether this process has made or attached a ring, which a FORK child could then use. */
    private static volatile boolean used;

    private final SharedSegment segment;
    private final ByteBuffer buf;
    private final RobustMutex mutex;
    private final int capacity;
    private final int maxsize;
    private final long base;
    /** This process's guess of its taker slot, checked against its pid and start time before use. */
    private int takerGuess = -1;

    private Ring(SharedSegment segment) {
        used = true;
        this.segment = segment;
        this.buf = segment.buffer();
        this.mutex = new RobustMutex(segment, MUTEX, "Queue");
        this.capacity = buf.getInt(CAPACITY);
        this.maxsize = buf.getInt(MAXSIZE);
        this.base = segment.address();
        segment.wakeOnClose(base + PUT_SEQ);
        segment.wakeOnClose(base + GET_SEQ);
        segment.wakeOnClose(base + JOIN_SEQ);
    }

    /**
     * A new ring.
     *
     * @param maxsize       the most items it holds (Python's {@code maxsize}); 0 or less for no item bound
     * @param capacityBytes the ring's byte size, rounded up to a multiple of 4; records longer than it are refused
     */
    public static Ring create(int maxsize, int capacityBytes) {
        if (capacityBytes < 64 || capacityBytes > SharedSegment.MAX_SIZE - DATA - 4) {
            throw new IllegalArgumentException("queue capacity " + capacityBytes + " bytes must be within 64.."
                    + (SharedSegment.MAX_SIZE - DATA - 4));
        }
        int cap = (capacityBytes + 3) & ~3;
        SharedSegment seg = SharedSegment.create("forkj-queue", DATA + (long) cap);
        ByteBuffer b = seg.buffer();
        b.putInt(CAPACITY, cap);
        b.putInt(MAXSIZE, Math.max(0, maxsize));
        return new Ring(seg);
    }

    /** The ring in a segment re-attached in a child. */
    public static Ring attach(SharedSegment segment) {
        return new Ring(segment);
    }

    /** The segment (for passing to children). */
    public SharedSegment segment() {
        return segment;
    }

    /** The most items the ring holds; 0 for no bound. */
    public int maxsize() {
        return maxsize;
    }

    /** The ring's size in bytes: a record of more than this minus 4 bytes cannot be put. */
    public int capacity() {
        return capacity;
    }

    /** The number of items now; others may change it at once. */
    public int count() {
        segment.enter("Queue");
        try {
            return (int) Words.INT.getVolatile(buf, COUNT);
        } finally {
            segment.leave();
        }
    }

    /** Unfinished tasks of a JoinableQueue. */
    public int unfinished() {
        segment.enter("Queue");
        try {
            return (int) Words.INT.getVolatile(buf, UNFINISHED);
        } finally {
            segment.leave();
        }
    }

    /**
     * Puts one record.
     *
     * @param timeoutNanos 0: do not wait; negative: wait as long as it takes
     * @param countTask    also count an unfinished task (JoinableQueue)
     * @return false if there was no room in time
     * @throws IllegalArgumentException if the record can never fit in this ring
     */
    public boolean put(byte[] record, long timeoutNanos, boolean countTask) {
        return put(record, (byte) 0, 0L, record.length, timeoutNanos, countTask);
    }

    /**
     * Puts a record of {@code 1 + length} bytes, {@code tag} then the low {@code length} bytes of {@code bits}
     * big-endian, with no allocation at all: what a FORK child, which has no garbage collector, can afford.
     */
    public boolean putSmall(byte tag, long bits, int length, long timeoutNanos, boolean countTask) {
        return put(null, tag, bits, 1 + length, timeoutNanos, countTask);
    }

    private boolean put(byte[] record, byte tag, long bits, int recordLength, long timeoutNanos, boolean countTask) {
        segment.enter("Queue");
        try {
            return putHere(record, tag, bits, recordLength, timeoutNanos, countTask);
        } finally {
            segment.leave();
        }
    }

    private boolean putHere(byte[] record, byte tag, long bits, int recordLength, long timeoutNanos, boolean countTask) {
        int need = 4 + ((recordLength + 3) & ~3);
        if (need > capacity) {
            throw new IllegalArgumentException("a queue item of " + recordLength + " bytes does not fit in the queue's"
                    + " ring of " + capacity + " bytes: pass a larger capacity to the Queue (items are messages;"
                    + " share big data through SharedMemory)");
        }
        long deadline = System.nanoTime() + timeoutNanos;
        int spins = 0;
        while (true) {
            lock();
            long head = buf.getLong(HEAD);
            long tail = buf.getLong(TAIL);
            int count = buf.getInt(COUNT);
            int max = buf.getInt(MAXSIZE);
            if (capacity - (tail - head) >= need && (max == 0 || count < max)) {
                if (countTask) {
                    buf.putInt(JOURNAL_UNFINISHED, buf.getInt(UNFINISHED));
                    buf.putLong(JOURNAL_TAIL, tail);
                    buf.putInt(DIRTY, DIRTY_TASK_PUT);
                } else {
                    buf.putInt(DIRTY, DIRTY_COUNT);
                }
                if (record != null) {
                    copyIn(tail, record);
                } else {
                    copySmallIn(tail, tag, bits, recordLength);
                }
                buf.putLong(TAIL, tail + need);
                if (dieAfterPublishing) {
                    Native.libc()._exit(99);
                }
                Words.INT.setVolatile(buf, COUNT, count + 1);
                if (countTask) {
                    buf.putInt(UNFINISHED, buf.getInt(UNFINISHED) + 1);
                }
                buf.putInt(DIRTY, 0);
                Words.INT.setVolatile(buf, PUT_SEQ, buf.getInt(PUT_SEQ) + 1);
                int waiters = (int) Words.INT.getVolatile(buf, GET_WAITERS);
                mutex.unlock();
                if (waiters > 0) {
                    // One record, one consumer: waking them all made every put cost every sleeping consumer a
                    // trip through the mutex (32 consumer threads: 19.7 k items/s against 2.46 M/s with one).
                    Futex.wake(base + PUT_SEQ, 1);
                }
                return true;
            }
            if (timeoutNanos == 0) {
                mutex.unlock();
                return false;
            }
            if (spins < SPINS) {
                mutex.unlock();
                spins++;
                Thread.onSpinWait();
                continue;
            }
            if (!await(GET_SEQ, PUT_WAITERS, timeoutNanos, deadline)) {
                return false;
            }
        }
    }

    /**
     * Takes the oldest record.
     *
     * @param timeoutNanos 0: do not wait; negative: wait as long as it takes
     * @param trackTask    count the item as this process's until its {@code task_done()} (JoinableQueue), so a
     *                     {@link #join} can write it off if this process ends first
     * @return the record, or null if none came in time
     */
    public byte[] get(long timeoutNanos, boolean trackTask) {
        segment.enter("Queue");
        try {
            return getHere(timeoutNanos, trackTask);
        } finally {
            segment.leave();
        }
    }

    private byte[] getHere(long timeoutNanos, boolean trackTask) {
        long deadline = System.nanoTime() + timeoutNanos;
        int spins = 0;
        while (true) {
            lock();
            int count = buf.getInt(COUNT);
            if (count > 0) {
                long head = buf.getLong(HEAD);
                int at = (int) (head % capacity);
                int length = buf.getInt(DATA + at);
                byte[] record = new byte[length];
                int taker = trackTask ? takerSlot(true) : -1;
                if (taker >= 0) {
                    buf.putInt(JOURNAL_SLOT, taker);
                    buf.putInt(JOURNAL_HELD, buf.getInt(TAKERS + taker * TAKER + 4));
                    buf.putLong(JOURNAL_HEAD, head);
                    buf.putInt(DIRTY, DIRTY_TASK_GET);
                } else {
                    buf.putInt(DIRTY, DIRTY_COUNT);
                }
                copyOut(head + 4, record);
                buf.putLong(HEAD, head + 4 + ((length + 3) & ~3));
                if (dieAfterTaking) {
                    Native.libc()._exit(97);
                }
                Words.INT.setVolatile(buf, COUNT, count - 1);
                if (taker >= 0) {
                    // plain: the mutex orders it; a join's look without the mutex is checked again under it
                    int heldAt = TAKERS + taker * TAKER + 4;
                    buf.putInt(heldAt, buf.getInt(heldAt) + 1);
                }
                buf.putInt(DIRTY, 0);
                Words.INT.setVolatile(buf, GET_SEQ, buf.getInt(GET_SEQ) + 1);
                int waiters = (int) Words.INT.getVolatile(buf, PUT_WAITERS);
                boolean wasFullByCount = count == maxsize;
                mutex.unlock();
                if (waiters > 0) {
                    // Full by its item count, the queue now has one place: one producer can take it. Room in bytes
                    // may suit any of them, by their records' sizes: then all look.
                    Futex.wake(base + GET_SEQ, wasFullByCount ? 1 : Integer.MAX_VALUE);
                }
                return record;
            }
            if (timeoutNanos == 0) {
                mutex.unlock();
                return null;
            }
            if (spins < SPINS) {
                mutex.unlock();
                spins++;
                while (spins < SPINS && (int) Words.INT.getVolatile(buf, COUNT) == 0) {
                    spins++;
                    Thread.onSpinWait();
                }
                continue;
            }
            if (!await(PUT_SEQ, GET_WAITERS, timeoutNanos, deadline)) {
                return null;
            }
        }
    }

    /**
     * JoinableQueue's {@code task_done()}.
     *
     * @throws IllegalStateException if called more times than items were put
     */
    public void taskDone() {
        segment.enter("Queue");
        try {
            taskDoneHere();
        } finally {
            segment.leave();
        }
    }

    private void taskDoneHere() {
        lock();
        int left = buf.getInt(UNFINISHED);
        int writtenOff = buf.getInt(WRITTEN_OFF);
        if (writtenOff > 0 && left <= buf.getInt(COUNT)) {
            // No item is out (every unfinished one is still in the ring), so this marks an item already written
            // off: one handed over by a process that ended before it was marked done. One store, nothing to journal.
            buf.putInt(WRITTEN_OFF, writtenOff - 1);
            mutex.unlock();
            return;
        }
        if (left <= 0) {
            mutex.unlock();
            throw new IllegalStateException("task_done() called too many times (Python: ValueError)");
        }
        int taker = takerSlot(false);
        if (taker < 0 || buf.getInt(TAKERS + taker * TAKER + 4) == 0) {
            // An item got by another process (handed over, or from before this process's slot): one of that
            // process's, so the sum of the slots never exceeds the items really out.
            taker = anyTaker();
        }
        buf.putInt(JOURNAL_UNFINISHED, left);
        buf.putInt(JOURNAL_SLOT, taker);
        buf.putInt(JOURNAL_HELD, taker < 0 ? 0 : buf.getInt(TAKERS + taker * TAKER + 4));
        buf.putInt(DIRTY, DIRTY_TASK_DONE);
        if (taker >= 0) {
            int at = TAKERS + taker * TAKER + 4;
            buf.putInt(at, buf.getInt(at) - 1);
        }
        buf.putInt(UNFINISHED, left - 1);
        if (dieInTaskDone) {
            Native.libc()._exit(98);
        }
        buf.putInt(DIRTY, 0);
        int waiters = 0;
        if (left == 1) {
            Words.INT.setVolatile(buf, JOIN_SEQ, buf.getInt(JOIN_SEQ) + 1);
            waiters = (int) Words.INT.getVolatile(buf, JOIN_WAITERS);
        }
        mutex.unlock();
        if (waiters > 0) {
            Futex.wake(base + JOIN_SEQ, Integer.MAX_VALUE);
        }
    }

    /**
     * JoinableQueue's {@code join()}: waits until every put item is task-done; false if the timeout passed first.
     * At its start and every second while it waits it looks up the processes that hold items they got and did not
     * mark done, and writes off the items of those that ended.
     *
     * @throws TasksLostException when it wrote off the items of a process that ended (the count no longer holds
     *                            them; the others' are still waited for by a join called again)
     */
    public boolean join(long timeoutNanos) {
        segment.enter("Queue");
        try {
            return joinHere(timeoutNanos);
        } finally {
            segment.leave();
        }
    }

    private boolean joinHere(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            writeOffEndedTakers();
            lock();
            if (buf.getInt(UNFINISHED) == 0) {
                mutex.unlock();
                return true;
            }
            if (!await(JOIN_SEQ, JOIN_WAITERS, timeoutNanos, deadline)) {
                return false;
            }
        }
    }

    /**
     * Writes off the unfinished items of every taker that ended (its {@code /proc} entry gone, a zombie, or another
     * process under its pid): their records left the ring with them, so no {@code task_done()} will ever come.
     * The processes are looked up without the mutex, so a queue in use waits for no {@code /proc} read.
     */
    private void writeOffEndedTakers() {
        int lost = 0;
        int firstPid = 0;
        int lastPid = 0;
        int takers = 0;
        for (int i = 0; i < TAKER_SLOTS; i++) {
            int at = TAKERS + i * TAKER;
            int pid = (int) Words.INT.getVolatile(buf, at);
            if (pid == 0 || (int) Words.INT.getVolatile(buf, at + 4) == 0) {
                continue;
            }
            long start = (long) Words.LONG.getVolatile(buf, at + 8);
            if (!Liveness.isDead(pid, start)) {
                continue;
            }
            lock();
            int held = buf.getInt(at + 4);
            int waiters = 0;
            if (buf.getInt(at) == pid && buf.getLong(at + 8) == start && held > 0) {
                int left = buf.getInt(UNFINISHED);
                buf.putInt(JOURNAL_UNFINISHED, left);
                buf.putInt(JOURNAL_SLOT, i);
                buf.putInt(JOURNAL_HELD, held);
                int writtenOff = buf.getInt(WRITTEN_OFF);
                buf.putInt(JOURNAL_WRITTEN, writtenOff);
                buf.putInt(DIRTY, DIRTY_WRITE_OFF);
                writeOff(i, left, held, writtenOff);
                buf.putInt(DIRTY, 0);
                lost += Math.min(held, left);
                takers++;
                firstPid = firstPid == 0 ? pid : firstPid;
                lastPid = pid;
                if (left <= held) {
                    Words.INT.setVolatile(buf, JOIN_SEQ, buf.getInt(JOIN_SEQ) + 1);
                    waiters = (int) Words.INT.getVolatile(buf, JOIN_WAITERS);
                }
            }
            mutex.unlock();
            if (waiters > 0) {
                Futex.wake(base + JOIN_SEQ, Integer.MAX_VALUE);
            }
        }
        if (lost > 0) {
            throw new TasksLostException(lost, takers, firstPid, lastPid);
        }
    }

    /**
     * With the mutex held: takes {@code held} off the unfinished count {@code left}, adds it to the written-off items
     * {@code writtenOff} (counts before the write-off) and frees taker slot {@code slot}.
     */
    private void writeOff(int slot, int left, int held, int writtenOff) {
        int at = TAKERS + slot * TAKER;
        buf.putInt(UNFINISHED, Math.max(0, left - held));
        buf.putInt(WRITTEN_OFF, writtenOff + Math.min(held, left));
        Words.INT.setVolatile(buf, at + 4, 0);
        Words.LONG.setVolatile(buf, at + 8, 0L);
        Words.INT.setVolatile(buf, at, 0);
    }

    /**
     * With the mutex held: this process's taker slot, or with {@code claim} a slot holding nothing (free, or left
     * by a process whose items are all done) made this process's; -1 if it has none (and, claiming, all
     * {@link #TAKER_SLOTS} hold items).
     */
    private int takerSlot(boolean claim) {
        int me = Self.pid();
        long start = Self.startTime();
        int guess = takerGuess;
        if (guess >= 0 && buf.getInt(TAKERS + guess * TAKER) == me && buf.getLong(TAKERS + guess * TAKER + 8) == start) {
            return guess;
        }
        int free = -1;
        for (int i = 0; i < TAKER_SLOTS; i++) {
            int at = TAKERS + i * TAKER;
            if (buf.getInt(at) == me && buf.getLong(at + 8) == start) {
                takerGuess = i;
                return i;
            }
            if (free < 0 && buf.getInt(at + 4) == 0) {
                free = i;
            }
        }
        if (!claim || free < 0) {
            return -1;
        }
        int at = TAKERS + free * TAKER;
        Words.LONG.setVolatile(buf, at + 8, start);
        Words.INT.setVolatile(buf, at, me);
        takerGuess = free;
        return free;
    }

    /** With the mutex held: the first taker slot holding an item, or -1. */
    private int anyTaker() {
        for (int i = 0; i < TAKER_SLOTS; i++) {
            if (buf.getInt(TAKERS + i * TAKER + 4) > 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Called with the mutex held and the condition false: registers as a waiter on {@code seqWord}, releases the
     * mutex and sleeps until the word changes or time runs out. Returns false on timeout.
     */
    private boolean await(int seqWord, int waitersWord, long timeoutNanos, long deadline) {
        int seq = buf.getInt(seqWord);
        Words.INT.getAndAdd(buf, waitersWord, 1);
        mutex.unlock();
        try {
            long slice = SLICE_NANOS;
            if (timeoutNanos > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                slice = Math.min(slice, left);
            }
            Futex.await(base + seqWord, seq, slice);
            if (Thread.interrupted()) {
                // The wake-up this waiter may have taken is passed on: a put wakes one consumer only.
                Futex.wake(base + seqWord, 1);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting on a queue");
            }
            // Every slice's end goes through the mutex, even when nothing changed: re-sleeping without it while the
            // word stays put saved ~10% of idle waiters' CPU (docs/DESIGN.md), not worth a second path.
            return true;
        } finally {
            Words.INT.getAndAdd(buf, waitersWord, -1);
        }
    }

    /**
     * Before each FORK start, once per JVM that has a ring: runs every path of the ring and of {@link Items} that a
     * FORK child can take (puts of each compact kind and of encoded records, wrapping at the ring's end, gets, both
     * waits with and without a timeout, the wake-ups, the repair after a dead holder, task accounting) in this
     * process, the hot ones WARM_UP_ROUNDS times. So a FORK child that puts or gets neither links a call site
     * nor creates a method's profile for the first time: in a forked JVM that takes VM locks another thread may
     * have held at the fork, and the child blocks for ever. 30-90 ms once; a JVM that never forks with a ring
     * (every SPAWN and standby child) never pays it.
     */
    public static void warmUpIfUsed() {
        if (warm || !used) {
            return;
        }
        synchronized (Ring.class) {
            if (!warm) {
                exercise();
                warm = true;
            }
        }
    }

    private static void exercise() {
        Ring ring = create(2, 64);
        try {
            Object[] kinds = {null, 7, 7L, 7.5, true, false, "seven", "s\u00e9\u20ac\uD83D\uDE00", new byte[] {7}};
            for (Object item : kinds) {
                Items.put(ring, item, -1, false);
                Items.decode(ring.get(-1, false));
            }
            Integer item = 7;
            for (int round = 0; round < WARM_UP_ROUNDS; round++) {
                Items.put(ring, item, -1, true);
                Items.decode(ring.get(-1, true));
                ring.taskDone();
                ring.count();
                ring.unfinished();
            }
            // Full: fails at once, then after sleeping on the futex for 1 ms; empty: the same for get.
            Items.put(ring, 1, 0, false);
            Items.put(ring, 2, 0, false);
            Items.put(ring, 3, 0, false);
            Items.put(ring, 3, 1_000_000L, false);
            ring.get(0, false);
            ring.get(0, false);
            ring.get(0, false);
            ring.get(1_000_000L, false);
            // Somebody waits: a put or get wakes them.
            Words.INT.getAndAdd(ring.buf, GET_WAITERS, 1);
            Words.INT.getAndAdd(ring.buf, PUT_WAITERS, 1);
            Items.put(ring, 4, -1, true);
            ring.get(-1, false);
            Words.INT.getAndAdd(ring.buf, GET_WAITERS, -1);
            Words.INT.getAndAdd(ring.buf, PUT_WAITERS, -1);
            // Task accounting: join waits, a task is done, join returns; one task_done too many.
            ring.join(1_000_000L);
            Words.INT.getAndAdd(ring.buf, JOIN_WAITERS, 1);
            ring.taskDone();
            Words.INT.getAndAdd(ring.buf, JOIN_WAITERS, -1);
            ring.join(-1);
            try {
                ring.taskDone();
            } catch (IllegalStateException expected) {
                expected.getMessage();
            }
            // A holder that died mid-change left the ring dirty: the next lock repairs it.
            Items.put(ring, 5, -1, false);
            ring.buf.putInt(DIRTY, DIRTY_COUNT);
            ring.get(-1, false);
            Items.put(ring, 6, -1, true);
            ring.buf.putInt(DIRTY, DIRTY_TASK_PUT);
            ring.get(-1, false);
            ring.taskDone();
            // Takers: a tracked get and its task_done dying half-way (repaired), a task_done for an item another
            // process got, and a join that writes off the items of a taker that ended.
            Items.put(ring, 7, -1, true);
            ring.get(-1, true);
            ring.buf.putInt(DIRTY, DIRTY_TASK_GET);
            ring.taskDone();
            ring.buf.putInt(DIRTY, DIRTY_TASK_DONE);
            Items.put(ring, 8, -1, true);
            ring.get(-1, false);
            Items.put(ring, 9, -1, true);
            ring.get(-1, true);
            int mine = ring.takerGuess;
            int at = TAKERS + mine * TAKER;
            Words.INT.setVolatile(ring.buf, at, RobustMutex.PID_MASK);
            ring.takerGuess = -1;
            ring.taskDone();
            Words.INT.setVolatile(ring.buf, at, RobustMutex.PID_MASK);
            Words.INT.setVolatile(ring.buf, at + 4, 1);
            try {
                ring.join(-1);
            } catch (TasksLostException expected) {
                expected.getMessage();
            }
            ring.buf.putInt(JOURNAL_SLOT, mine);
            ring.buf.putInt(DIRTY, DIRTY_WRITE_OFF);
            ring.join(-1);
            // The written-off item marked done late, by the process it was handed to.
            ring.taskDone();
        } finally {
            ring.segment.close();
        }
    }

    private void lock() {
        segment.checkOpen("Queue");
        while (true) {
            try {
                mutex.lock(-1);
                break;
            } catch (OwnerDiedException holderDied) {
                // the mutex is free again; take it and repair below if the dead holder left the ring dirty
            }
        }
        int dirty = buf.getInt(DIRTY);
        if (dirty != 0) {
            repair(dirty);
        }
    }

    /**
     * Rebuilds the count after a holder died mid-change (every complete record between head and tail counts), and
     * finishes (or undoes) a journaled change of the task counts: a task-counting put, a tracked get, a
     * {@code task_done()}, a write-off.
     */
    private void repair(int dirty) {
        long head = buf.getLong(HEAD);
        long tail = buf.getLong(TAIL);
        long at = head;
        int count = 0;
        while (at < tail) {
            int length = buf.getInt(DATA + (int) (at % capacity));
            long next = at + 4 + ((length + 3) & ~3);
            if (length < 0 || next > tail) {
                buf.putLong(TAIL, at);
                break;
            }
            count++;
            at = next;
        }
        Words.INT.setVolatile(buf, COUNT, count);
        int slot = buf.getInt(JOURNAL_SLOT);
        int held = buf.getInt(JOURNAL_HELD);
        int heldAt = TAKERS + slot * TAKER + 4;
        switch (dirty) {
            case DIRTY_TASK_PUT -> {
                boolean published = buf.getLong(TAIL) > buf.getLong(JOURNAL_TAIL);
                buf.putInt(UNFINISHED, buf.getInt(JOURNAL_UNFINISHED) + (published ? 1 : 0));
            }
            case DIRTY_TASK_GET -> {
                // the item left with the dead getter once the head moved past it: it is the getter's to write off
                boolean taken = buf.getLong(HEAD) != buf.getLong(JOURNAL_HEAD);
                buf.putInt(heldAt, held + (taken ? 1 : 0));
            }
            case DIRTY_TASK_DONE -> {
                if (slot >= 0) {
                    buf.putInt(heldAt, Math.max(0, held - 1));
                }
                buf.putInt(UNFINISHED, Math.max(0, buf.getInt(JOURNAL_UNFINISHED) - 1));
            }
            case DIRTY_WRITE_OFF -> writeOff(slot, buf.getInt(JOURNAL_UNFINISHED), held, buf.getInt(JOURNAL_WRITTEN));
            default -> {
                // DIRTY_COUNT: the count, rebuilt above, was all
            }
        }
        buf.putInt(DIRTY, 0);
    }

    private void copyIn(long offset, byte[] record) {
        int at = (int) (offset % capacity);
        buf.putInt(DATA + at, record.length);
        int from = (at + 4) % capacity;
        int first = Math.min(record.length, capacity - from);
        buf.put(DATA + from, record, 0, first);
        if (first < record.length) {
            buf.put(DATA, record, first, record.length - first);
        }
    }

    private void copySmallIn(long offset, byte tag, long bits, int length) {
        int at = (int) (offset % capacity);
        buf.putInt(DATA + at, length);
        int to = (at + 4) % capacity;
        buf.put(DATA + to, tag);
        for (int i = 1; i < length; i++) {
            to = (to + 1) % capacity;
            buf.put(DATA + to, (byte) (bits >>> (8 * (length - 1 - i))));
        }
    }

    private void copyOut(long offset, byte[] record) {
        int from = (int) (offset % capacity);
        int first = Math.min(record.length, capacity - from);
        buf.get(DATA + from, record, 0, first);
        if (first < record.length) {
            buf.get(DATA, record, first, record.length - first);
        }
    }
}
