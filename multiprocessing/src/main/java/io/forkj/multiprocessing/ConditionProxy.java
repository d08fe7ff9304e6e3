package io.forkj.multiprocessing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A condition variable held by a {@link Manager}: Python's {@code manager.Condition(lock=None)}
 * ({@code multiprocessing.managers.ConditionProxy}). Its lock is a manager {@code RLock} unless one of the manager's
 * locks is given; {@link #acquire()} and {@link #release()} are that lock's. Python's {@code wait} is
 * {@link #await}, {@code notify} is {@link #signal}, {@code notify_all} is {@link #signalAll} (Java's {@code wait}
 * and {@code notify} belong to every object).
 *
 * <p>A waiter whose process dies is skipped by {@link #signal(int)}, so the signal reaches a live one (CPython's
 * server hands it to the dead one's thread, and a live waiter may sleep for ever).
 */
public interface ConditionProxy extends AcquirerProxy {

    /**
     * Python's {@code wait(timeout)}: releases the lock, however many times this thread holds it, blocks until
     * signalled or until {@code timeout} passes, and takes the lock back as it was held before returning.
     *
     * @param timeout how long to wait at most; null for no limit
     * @return false if the timeout ran out
     * @throws IllegalStateException if this thread does not hold the lock (Python's RuntimeError)
     * @throws InterruptedException  if this thread is interrupted while it waits; as with
     *                               {@link java.util.concurrent.locks.Condition}, the lock is held again, as before,
     *                               when it is thrown (CPython's proxy leaves its connection broken instead)
     */
    boolean await(Duration timeout) throws InterruptedException;

    /**
     * Python's {@code wait()}.
     *
     * @throws IllegalStateException if this thread does not hold the lock
     * @throws InterruptedException  as {@link #await(Duration)}
     */
    void await() throws InterruptedException;

    /**
     * Python's {@code wait_for(predicate, timeout)}: waits until {@code predicate}, evaluated in this process with the
     * lock held, is true, or the timeout passes.
     *
     * @param timeout how long to wait at most; null for no limit
     * @return the predicate's last value
     * @throws InterruptedException as {@link #await(Duration)}
     */
    boolean waitFor(BooleanSupplier predicate, Duration timeout) throws InterruptedException;

    /**
     * Python's {@code notify(n)}: wakes up to {@code n} waiters.
     *
     * @throws IllegalArgumentException if {@code n} is negative
     * @throws IllegalStateException    if this thread does not hold the lock (Python's RuntimeError)
     */
    void signal(int n);

    /** Python's {@code notify()}: {@code signal(1)}. */
    void signal();

    /** Python's {@code notify_all()}. */
    void signalAll();
}
