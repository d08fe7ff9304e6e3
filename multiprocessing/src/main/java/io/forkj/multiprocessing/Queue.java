package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.queue.Ring;
import io.forkj.multiprocessing.internal.queue.RingHandle;
import io.forkj.multiprocessing.internal.queue.Items;

import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.concurrent.TimeUnit;

/**
 * A FIFO queue shared by processes: Python's {@code multiprocessing.Queue(maxsize)}. Many producers and consumers
 * in any processes (FORK children inherit it; SPAWN and standby children get it as an argument of their target).
 *
 * <pre>{@code
 * Queue<String> q = new Queue<>(3);          // q = Queue(3)
 * q.put("hello");                            // q.put('hello')
 * q.full();                                  // q.full()
 * String s = q.get();                        // q.get()
 * q.get(true, 2, TimeUnit.SECONDS);          // q.get(timeout=2) -> Queue.Empty after 2 s
 * }</pre>
 *
 * <p>Items live in a ring buffer in shared memory (a memfd mapped by every process that uses the queue), guarded
 * by a mutex that survives a holder's death, with futex waits: {@code put} copies the item into the ring and
 * returns. There is no feeder thread, so unlike CPython a process may exit as soon as its {@code put} returned and
 * nothing is lost, and {@link #joinThread()} / {@link #cancelJoinThread()} have nothing to do. Items are
 * serialized (null, numbers, booleans, strings, byte arrays and serializable records of those compactly; other
 * objects with Java serialization).
 * An item bigger than the ring ({@link #capacity()}, 1 MiB unless given) is refused with an
 * {@link IllegalArgumentException}: a queue carries messages; share big data through {@code SharedMemory}.
 * {@link #qsize()}, {@link #empty()} and {@link #full()} are approximate, as in CPython: other processes may change
 * the queue before the answer is used. The memory is freed when the last process using the queue closes it or
 * exits: nothing is left in {@code /dev/shm}.
 *
 * @param <E> the item type
 */
public class Queue<E> implements Serializable, AutoCloseable {
    private static final long serialVersionUID = 1L;

    final transient Ring ring;

    /** Python's {@code Queue()}: no item bound, a 1 MiB ring. */
    public Queue() {
        this(0);
    }

    /** Python's {@code Queue(maxsize)}: {@code put} blocks while {@code maxsize} items are queued (0: no bound). */
    public Queue(int maxsize) {
        this(maxsize, Ring.DEFAULT_CAPACITY);
    }

    /**
     * A queue with a ring of {@code capacityBytes}; the largest item is {@code capacityBytes - 4} bytes serialized.
     *
     * @throws IllegalArgumentException if the capacity is below 64 bytes or above 2 GiB
     */
    public Queue(int maxsize, int capacityBytes) {
        this(Ring.create(maxsize, capacityBytes));
    }

    Queue(Ring ring) {
        this.ring = ring;
    }

    /** Python's {@code q.put(obj)}: waits for room if the queue is full. */
    public void put(E item) {
        put(item, true, -1, TimeUnit.NANOSECONDS);
    }

    /**
     * Python's {@code q.put(obj, block, timeout)}.
     *
     * @param block   false: fail at once if there is no room
     * @param timeout how long to wait for room when blocking; negative for no limit
     * @throws Full                     if there was no room (at once, or within the timeout)
     * @throws IllegalArgumentException if the item cannot be serialized or is bigger than the ring
     * @throws IllegalStateException    if this process closed the queue
     */
    public void put(E item, boolean block, long timeout, TimeUnit unit) {
        long nanos = !block ? 0 : timeout < 0 ? -1 : Math.max(1, unit.toNanos(timeout));
        if (!Items.put(ring, item, nanos, countsTasks())) {
            throw new Full(block ? "queue still full after " + timeout + " " + unit.name().toLowerCase() : "queue is full");
        }
    }

    /** Python's {@code q.put_nowait(obj)}: {@code put(obj, false)}. */
    public void putNowait(E item) {
        put(item, false, 0, TimeUnit.NANOSECONDS);
    }

    /** Python's {@code q.get()}: waits until an item is there. */
    public E get() {
        return get(true, -1, TimeUnit.NANOSECONDS);
    }

    /**
     * Python's {@code q.get(block, timeout)}.
     *
     * @throws Empty if no item came (at once, or within the timeout)
     */
    @SuppressWarnings("unchecked")
    public E get(boolean block, long timeout, TimeUnit unit) {
        long nanos = !block ? 0 : timeout < 0 ? -1 : Math.max(1, unit.toNanos(timeout));
        byte[] record = ring.get(nanos, countsTasks());
        if (record == null) {
            throw new Empty(block ? "no item within " + timeout + " " + unit.name().toLowerCase() : "queue is empty");
        }
        return (E) Items.decode(record);
    }

    /** Python's {@code q.get_nowait()}. */
    public E getNowait() {
        return get(false, 0, TimeUnit.NANOSECONDS);
    }

    /** Python's {@code q.qsize()}: the number of items now (approximate: others may change it at once). */
    public int qsize() {
        return ring.count();
    }

    /** Python's {@code q.empty()} (approximate). */
    public boolean empty() {
        return ring.count() == 0;
    }

    /** Python's {@code q.full()} (approximate): the item bound is reached. */
    public boolean full() {
        int max = ring.maxsize();
        return max > 0 && ring.count() >= max;
    }

    /** The item bound given at creation; 0 for none. */
    public int maxsize() {
        return ring.maxsize();
    }

    /** The ring's size in bytes: no serialized item may be bigger than this minus 4. */
    public int capacity() {
        return ring.capacity();
    }

    /**
     * Python's {@code q.close()}: this process will use the queue no more; its mapping is released once no thread
     * of this process is inside a call on it. Items already put stay for the other processes. Threads waiting on it
     * here wake, and they and later calls throw {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        ring.segment().close();
    }

    /**
     * Python's {@code q.join_thread()}: nothing to wait for, since every {@code put} has already placed its item in
     * shared memory when it returned.
     */
    public void joinThread() {
        // no feeder thread: nothing to join
    }

    /** Python's {@code q.cancel_join_thread()}: nothing to cancel (see {@link #joinThread()}). */
    public void cancelJoinThread() {
        // no feeder thread: exiting never waits for queued data
    }

    boolean countsTasks() {
        return false;
    }

    Object writeReplace() throws ObjectStreamException {
        return RingHandle.of(ring, "Queue", Queue::new);
    }

    @Override
    public String toString() {
        return "Queue[qsize=" + qsize() + (maxsize() > 0 ? ", maxsize=" + maxsize() : "") + "]";
    }

    /** Python's {@code queue.Full}: a put found no room. */
    public static final class Full extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** @param message why */
        public Full(String message) {
            super(message);
        }
    }

    /** Python's {@code queue.Empty}: a get found no item. */
    public static final class Empty extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** @param message why */
        public Empty(String message) {
            super(message);
        }
    }
}
