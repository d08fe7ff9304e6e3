package io.forkj.multiprocessing;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A queue held by a {@link Manager} that counts unfinished tasks: Python's {@code manager.JoinableQueue()}. Every
 * item added counts one task; {@link #taskDone()} finishes one; {@link #join()} waits until none is unfinished.
 * Otherwise as {@link Manager#queue(int)}.
 *
 * @param <E> the items' type
 */
public interface JoinableQueueProxy<E> extends BlockingQueue<E> {

    /**
     * Python's {@code task_done()}.
     *
     * @throws IllegalStateException if called more times than items were added (Python's ValueError)
     */
    void taskDone();

    /**
     * Python's {@code join()}: blocks until every item added has been marked done.
     *
     * @throws InterruptedException if this thread is interrupted while it waits
     */
    void join() throws InterruptedException;

    /**
     * {@link #join()} for at most {@code timeout}.
     *
     * @return false if tasks were still unfinished when the timeout ran out
     * @throws InterruptedException if this thread is interrupted while it waits
     */
    boolean join(long timeout, TimeUnit unit) throws InterruptedException;

    /** How many items were added and not yet marked done. */
    int unfinishedTasks();
}
