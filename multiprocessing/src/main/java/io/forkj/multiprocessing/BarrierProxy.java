package io.forkj.multiprocessing;

import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;

/**
 * A barrier held by a {@link Manager}: Python's {@code manager.Barrier(parties)}
 * ({@code multiprocessing.managers.BarrierProxy}). Each of {@link #parties()} callers of {@link #await} blocks until
 * all have called it; then all return and the barrier can be used again.
 */
public interface BarrierProxy {

    /** Python's {@code parties}. */
    int parties();

    /** Python's {@code n_waiting}: how many callers wait now. */
    int nWaiting();

    /** Python's {@code broken}. */
    boolean isBroken();

    /**
     * Python's {@code wait()}.
     *
     * @return this caller's arrival index, 0 for the first to arrive, {@code parties - 1} for the last
     * @throws BrokenBarrierException if the barrier is or becomes broken ({@link #abort()}, {@link #reset()} while
     *                                callers wait, or another caller's timeout)
     * @throws InterruptedException   if this thread is interrupted while it waits
     */
    int await() throws InterruptedException, BrokenBarrierException;

    /**
     * Python's {@code wait(timeout)}.
     *
     * @param timeout how long to wait at most; null for no limit
     * @return this caller's arrival index, as {@link #await()}
     * @throws BrokenBarrierException as {@link #await()}, and when the timeout runs out (which breaks the barrier)
     * @throws InterruptedException   if this thread is interrupted while it waits
     */
    int await(Duration timeout) throws InterruptedException, BrokenBarrierException;

    /** Python's {@code abort()}: breaks the barrier until {@link #reset()}; waiters get BrokenBarrierException. */
    void abort();

    /** Python's {@code reset()}: back to empty and unbroken; callers waiting now get BrokenBarrierException. */
    void reset();
}
