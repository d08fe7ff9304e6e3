package io.forkj.multiprocessing.internal;

import io.forkj.posix.internal.fork.Starter;

import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A virtual thread's sleep in the kernel ({@code futex(2)} in {@code Futex}, {@code poll(2)} for a connection's fd
 * in {@link FdIo}), made by a platform thread while the virtual thread parks. Asleep in the kernel itself, a
 * virtual thread keeps its carrier, and as many such sleepers as carriers leave none for the thread that would wake
 * them: two virtual threads in {@code Queue.get()} on this 2-core machine, and the virtual thread that put their
 * items never ran (JDK 25, no progress in 10 s). The JDK compensates its own blocking calls; a call through the
 * native binding it cannot see.
 *
 * <p>Every sleep has a platform sleeper of its own, up to {@link #MAX_SLEEPERS}: a sleep that waited for a free
 * sleeper would miss its wake-up (the kernel wakes only those already asleep on the word) until a slice ended
 * elsewhere. With at most 256 sleepers, 1,000 idle virtual threads in one queue's {@code get()} made a round trip
 * between two others through two more queues take 303 ms instead of 0.11 ms. Idle sleepers are reused and end
 * after {@link #IDLE_SECONDS}.
 */
public final class VirtualSleep {
    /**
     * The longest one platform sleep lasts: long waits are made of such slices, as callers' own loops are (a queue's
     * waits are 1 s slices, a lock's 100 ms). Only sleeps queued beyond {@link #MAX_SLEEPERS} wait for slices to
     * end; each end costs a sleeping virtual thread a trip through its caller's loop (1,000 idle virtual threads in
     * {@code Queue.get()}: 16-18% of a core with 1 s slices, 54% with 100 ms).
     */
    public static final long SLICE_NANOS = 1_000_000_000L;
    /** {@link #SLICE_NANOS} in milliseconds. */
    public static final int SLICE_MILLIS = (int) (SLICE_NANOS / 1_000_000L);
    /**
     * Platform sleepers at most. Beyond them (or when the system refuses another thread) sleeps queue for the next
     * free sleeper: a queued sleep sees its word when it starts, so a wake-up it missed is late by at most the
     * slices ahead of it, never lost.
     */
    private static final int MAX_SLEEPERS = 4096;
    private static final int IDLE_SECONDS = 30;
    private static final LinkedTransferQueue<Runnable> WAITING = new LinkedTransferQueue<>();
    private static final AtomicInteger SLEEPERS = new AtomicInteger();

    private VirtualSleep() {
    }

    /**
     * Makes {@code blockingCall} (a system call that sleeps at most {@link #SLICE_NANOS}, reading its own errno) on a
     * platform sleeper while this virtual thread parks, and returns its result. Uninterruptible, as the call itself
     * is: an interrupt is kept for the caller to see, as a platform thread's caller sees it after its sleep.
     */
    public static <T> T run(Callable<T> blockingCall) {
        FutureTask<T> sleep = new FutureTask<>(blockingCall);
        hand(sleep);
        return Starter.resultOf(sleep);
    }

    /** Gives {@code sleep} to an idle sleeper, else to a new one, else (at the limit) to the queue. */
    private static void hand(Runnable sleep) {
        if (!WAITING.tryTransfer(sleep) && !startSleeper(sleep)) {
            WAITING.offer(sleep);
        }
    }

    private static boolean startSleeper(Runnable first) {
        int n;
        do {
            n = SLEEPERS.get();
            if (n >= MAX_SLEEPERS) {
                return false;
            }
        } while (!SLEEPERS.compareAndSet(n, n + 1));
        try {
            Thread t = new Thread(() -> sleepUntilIdle(first), "forkj-sleeper");
            t.setDaemon(true);
            t.start();
            return true;
        } catch (OutOfMemoryError noMoreThreads) {
            // "unable to create native thread" (RLIMIT_NPROC, pids.max): the sleep queues for a running sleeper.
            SLEEPERS.decrementAndGet();
            return false;
        }
    }

    private static void sleepUntilIdle(Runnable first) {
        try {
            Runnable sleep = first;
            while (sleep != null) {
                sleep.run();
                sleep = WAITING.poll(IDLE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException nobodyInterruptsASleeper) {
            Thread.currentThread().interrupt();
        } finally {
            SLEEPERS.decrementAndGet();
            // A sleep queued while every sleeper was ending would otherwise wait for the next sleep to start one.
            Runnable orphaned = WAITING.poll();
            if (orphaned != null) {
                hand(orphaned);
            }
        }
    }
}
