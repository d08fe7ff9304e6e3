package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.queue.Ring;
import io.forkj.multiprocessing.internal.queue.RingHandle;

import java.io.ObjectStreamException;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Queue} that counts unfinished tasks: Python's {@code multiprocessing.JoinableQueue}. Every
 * {@code put} adds one; a consumer calls {@link #taskDone()} when it has handled an item it got; {@link #join()}
 * waits until the count is back to zero. The count lives in the queue's shared memory with the items.
 *
 * <p>Unlike CPython's, {@code join()} does not wait for ever for a consumer that died: the queue keeps, per process
 * (up to 128 at once), how many items it got and has not marked done; {@code join()} looks those processes up in
 * {@code /proc} when it starts and every second while it waits, and writes off the items of one that ended, throwing
 * {@link TasksLostException}. {@code taskDone()} counts against the calling process's items, or, when it holds none
 * (an item handed over from another process), against another process's. Since {@code taskDone()} names no item,
 * an item handed over by a process that then ended is written off if a join looks before it is marked done; its
 * late {@code taskDone()} then counts against the items written off (when no item is out), so it neither throws
 * nor takes a queued item off the count.
 *
 * @param <E> the item type
 */
public class JoinableQueue<E> extends Queue<E> {
    private static final long serialVersionUID = 1L;

    /** Python's {@code JoinableQueue()}. */
    public JoinableQueue() {
        this(0);
    }

    /** Python's {@code JoinableQueue(maxsize)}. */
    public JoinableQueue(int maxsize) {
        super(maxsize);
    }

    /** With a ring of {@code capacityBytes} (see {@link Queue#Queue(int, int)}). */
    public JoinableQueue(int maxsize, int capacityBytes) {
        super(maxsize, capacityBytes);
    }

    JoinableQueue(Ring ring) {
        super(ring);
    }

    /**
     * Python's {@code q.task_done()}: one item got earlier is handled.
     *
     * @throws IllegalStateException if called more times than items were put (Python's ValueError)
     */
    public void taskDone() {
        ring.taskDone();
    }

    /**
     * Python's {@code q.join()}: waits until every item put has been marked done.
     *
     * @throws TasksLostException if a process that got items ended without marking them done: they were taken off
     *                            the count (call {@code join()} again to wait for the rest)
     */
    public void join() {
        ring.join(-1);
    }

    /**
     * Waits at most {@code timeout} for every item to be marked done; false if time ran out.
     *
     * @throws TasksLostException as {@link #join()}
     */
    public boolean join(long timeout, TimeUnit unit) {
        return ring.join(Math.max(1, unit.toNanos(timeout)));
    }

    /** Items put and not yet marked done (approximate; a dead consumer's count until a {@code join} writes them off). */
    public int unfinishedTasks() {
        return ring.unfinished();
    }

    @Override
    boolean countsTasks() {
        return true;
    }

    @Override
    Object writeReplace() throws ObjectStreamException {
        return RingHandle.of(ring, "JoinableQueue", JoinableQueue::new);
    }

    @Override
    public String toString() {
        return "JoinableQueue[qsize=" + qsize() + ", unfinished=" + unfinishedTasks() + "]";
    }
}
