package io.forkj.multiprocessing.internal.shm;

import io.forkj.posix.internal.fork.Starter;

import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A virtual thread's sleep in the kernel ({@code futex(2)} here, {@code poll(2)} for a connection's fd in
 * {@code FdIo}), made by a platform thread while the virtual thread parks. Asleep in the kernel
 * itself, a virtual thread keeps its carrier, and as many such sleepers as carriers leave none for the thread that
 * would wake them: two virtual threads in {@code Queue.get()} on this 2-core machine, and the virtual thread that
 * put their items never ran (JDK 25, no progress in 10 s). The JDK compensates its own blocking calls; a call
 * through the native binding it cannot see.
 */
public final class VirtualSleep {
    /** The longest one platform sleep lasts: long waits are made of such slices, as callers' own loops are. */
    private static final long MAX_SLEEP_NANOS = 100_000_000L;
    /**
     * As many platform sleepers at most as the JDK's scheduler adds carriers at most to compensate its own blocking
     * calls (256): more sleeping virtual threads queue their sleeps, and one whose sleep waits in the queue sees its
     * word when the sleep starts, so a wake-up can wait for other sleeps' slices but is never lost.
     */
    private static final int MAX_SLEEPERS = 256;
    private static final ThreadPoolExecutor SLEEPERS = sleepers();

    private static ThreadPoolExecutor sleepers() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(MAX_SLEEPERS, MAX_SLEEPERS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "forkj-futex-sleeper");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private VirtualSleep() {
    }

    /**
     * Makes {@code blockingCall} (a system call that may sleep at most {@link #MAX_SLEEP_NANOS}, reading its own
     * errno) on a platform sleeper while this virtual thread parks, and returns its result. Uninterruptible, as the
     * call itself is.
     */
    public static <T> T run(Callable<T> blockingCall) {
        return Starter.resultOf(SLEEPERS.submit(blockingCall));
    }

    /** The longest sleep one {@link #run} call may make, in milliseconds. */
    public static final int SLICE_MILLIS = (int) (MAX_SLEEP_NANOS / 1_000_000L);

    /**
     * {@link Futex#await}, for a virtual thread. As in the kernel's sleep, an interrupt does not end it: it is kept
     * for the caller to see, as a platform thread's caller sees it after its sleep.
     */
    static int await(long address, int expected, long timeoutNanos) {
        long nanos = Math.min(timeoutNanos, MAX_SLEEP_NANOS);
        return run(() -> Futex.block(address, expected, nanos));
    }
}
