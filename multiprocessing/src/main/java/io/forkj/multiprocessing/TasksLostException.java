package io.forkj.multiprocessing;

/**
 * Thrown by {@link JoinableQueue#join()}: a process got items from the queue and ended (SIGKILL, a crash, an exit)
 * without marking them done ({@code task_done()}). Their records left the queue with that process, so no
 * {@code task_done()} will ever come for them; forkj has taken them off the queue's unfinished count. CPython's
 * {@code JoinableQueue.join()} waits for ever there.
 *
 * <p>The thrower has not waited for the other unfinished items: call {@code join()} again to wait for them. As with
 * {@link OwnerDiedException}, exactly one joiner sees each loss (the one whose look found it); other joiners simply
 * return when the count reaches zero. The items themselves are gone: a producer that must see them done puts them
 * again.
 *
 * <p>One case is not a loss: the process handed an item to another and ended before that one marked it done. A
 * {@code task_done()} names no item, so the two look alike; the late {@code task_done()} is accepted against the
 * items written off.
 */
public final class TasksLostException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int tasks;
    private final int takers;
    private final int firstPid;

    /**
     * For forkj's queues.
     *
     * @param tasks    items written off
     * @param takers   processes that had got them
     * @param firstPid the first of those processes
     * @param lastPid  the last of them (the same when there was one)
     */
    public TasksLostException(int tasks, int takers, int firstPid, int lastPid) {
        super("JoinableQueue: " + (takers == 1 ? "pid " + firstPid : takers + " processes (pid " + firstPid + " .. "
                + lastPid + ")") + " ended holding " + tasks + (tasks == 1 ? " item" : " items") + " got and never"
                + " marked done (task_done); " + (tasks == 1 ? "it no longer counts" : "they no longer count")
                + " as unfinished. The items are lost: put them again if they must be done; join() again to wait"
                + " for the others.");
        this.tasks = tasks;
        this.takers = takers;
        this.firstPid = firstPid;
    }

    /** How many unfinished items were written off. */
    public int tasks() {
        return tasks;
    }

    /** How many ended processes had got them. */
    public int takers() {
        return takers;
    }

    /** The pid of the (first) process that ended holding them. */
    public int deadPid() {
        return firstPid;
    }
}
