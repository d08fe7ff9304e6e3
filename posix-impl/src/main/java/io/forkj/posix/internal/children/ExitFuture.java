package io.forkj.posix.internal.children;

import io.forkj.WaitStatus;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of a watched child's exit whose blocking {@code get}/{@code join} wait for the exit in the calling
 * thread, as C's {@code waitpid} does, instead of sleeping until the watcher thread wakes it: the watcher's
 * thread learns of the exit from {@code epoll_wait(2)} and completes the future, which must then unpark the waiting
 * thread, a second wake-up on the path from the exit to the waiter. The waiting thread so sleeps on the child's
 * pidfd itself and reaps it (the watcher may be first: both reap under one lock, and the loser finds the future
 * done). Callbacks and non-blocking use are a plain {@link CompletableFuture}'s; dependent futures are plain ones.
 */
public final class ExitFuture extends CompletableFuture<WaitStatus> {
    /** How the calling thread waits for the exit; it need not complete the future (the caller re-checks). */
    @FunctionalInterface
    public interface Awaiter {
        /**
         * Sleeps until the child has exited and been reaped (completing this future), or until {@code untilNanos}
         * ({@link System#nanoTime()}) when {@code bounded}. Returning early is allowed: the future then blocks as
         * usual.
         */
        void await(boolean bounded, long untilNanos) throws InterruptedException;
    }

    private final Awaiter awaiter;

    public ExitFuture(Awaiter awaiter) {
        this.awaiter = awaiter;
    }

    @Override
    public WaitStatus get() throws InterruptedException, ExecutionException {
        if (!isDone()) {
            awaiter.await(false, 0);
        }
        return super.get();
    }

    @Override
    public WaitStatus get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException,
            TimeoutException {
        long until = System.nanoTime() + unit.toNanos(timeout);
        if (!isDone()) {
            awaiter.await(true, until);
        }
        return super.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    @Override
    public WaitStatus join() {
        if (!isDone()) {
            try {
                awaiter.await(false, 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // join() is not interruptible: keep the status, block as usual
            }
        }
        return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
