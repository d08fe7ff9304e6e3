package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.queue.Items;
import io.forkj.multiprocessing.internal.queue.Ring;
import io.forkj.multiprocessing.internal.queue.RingHandle;

import java.io.ObjectStreamException;
import java.io.Serializable;

/**
 * Python's {@code multiprocessing.SimpleQueue}: {@code put}, {@code get}, {@code empty}, {@code close}, no item
 * bound and no timeouts. The same shared-memory ring as {@link Queue}.
 *
 * @param <E> the item type
 */
public final class SimpleQueue<E> implements Serializable, AutoCloseable {
    private static final long serialVersionUID = 1L;

    private final transient Ring ring;

    /** Python's {@code SimpleQueue()}. */
    public SimpleQueue() {
        this(Ring.create(0, Ring.DEFAULT_CAPACITY));
    }

    private SimpleQueue(Ring ring) {
        this.ring = ring;
    }

    /** Python's {@code put(obj)}: waits only if the 1 MiB ring is full. */
    public void put(E item) {
        Items.put(ring, item, -1, false);
    }

    /** Python's {@code get()}: waits for an item. */
    @SuppressWarnings("unchecked")
    public E get() {
        return (E) Items.decode(ring.get(-1, false));
    }

    /** Python's {@code empty()} (approximate). */
    public boolean empty() {
        return ring.count() == 0;
    }

    /** Python's {@code close()}: this process uses the queue no more. */
    @Override
    public void close() {
        ring.segment().close();
    }

    Object writeReplace() throws ObjectStreamException {
        return RingHandle.of(ring, "SimpleQueue", SimpleQueue::new);
    }
}
