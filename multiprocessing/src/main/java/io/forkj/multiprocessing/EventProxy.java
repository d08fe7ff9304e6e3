package io.forkj.multiprocessing;

import java.time.Duration;

/**
 * An event held by a {@link Manager}: Python's {@code manager.Event()} ({@code multiprocessing.managers.EventProxy}),
 * usable from any process that has the proxy. A flag that {@link #set()} raises and {@link #clear()} lowers; waiters
 * return once it is raised.
 */
public interface EventProxy {

    /** Python's {@code is_set()}. */
    boolean isSet();

    /** Python's {@code set()}: raises the flag and wakes every waiter. */
    void set();

    /** Python's {@code clear()}. */
    void clear();

    /**
     * Python's {@code wait(timeout)}: blocks until the flag is raised or {@code timeout} passes.
     *
     * @param timeout how long to wait at most; null for no limit
     * @return the flag when it returns (false only if the timeout ran out)
     * @throws InterruptedException if this thread is interrupted while it waits
     */
    boolean await(Duration timeout) throws InterruptedException;

    /**
     * Python's {@code wait()}: blocks until the flag is raised.
     *
     * @throws InterruptedException if this thread is interrupted while it waits
     */
    void await() throws InterruptedException;
}
