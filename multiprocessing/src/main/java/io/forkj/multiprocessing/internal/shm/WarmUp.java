package io.forkj.multiprocessing.internal.shm;

import io.forkj.multiprocessing.OwnerDiedException;
import io.forkj.multiprocessing.internal.Timeouts;

import java.time.Duration;

/**
 * Runs every path of the shared-memory primitives once in this JVM (contended waits, wakes, liveness checks,
 * the dead-holder exception), so a FORK child that inherits a lock never resolves a class or a call site for the
 * first time: in a forked JVM that can block for ever (DESIGN.md, "Fork in a JVM"). Called by every primitive's
 * constructor; cheap after the first call.
 */
public final class WarmUp {
    private static volatile boolean done;
    /** Guarded by the class lock: the warm-up builds primitives itself, whose constructors call ensure(). */
    private static boolean running;

    private WarmUp() {
    }

    /** Once per JVM (a forked child inherits the flag with everything else). */
    public static void ensure() {
        if (done) {
            return;
        }
        synchronized (WarmUp.class) {
            if (done || running) {
                return;
            }
            running = true;
            try {
                run();
                done = true;
            } finally {
                running = false;
            }
        }
    }

    /** A pid no process can have (above pid_max's ceiling of 2^22): a "dead holder" for the warm-up. */
    private static final int NO_SUCH_PID = RobustMutex.PID_MASK;

    private static void run() {
        try (SharedSegment segment = SharedSegment.create("forkj-warm-up", 64);
             SharedSegment sem = SharedSegment.create("forkj-warm-up", RobustSemaphore.SIZE)) {
            RobustMutex mutex = new RobustMutex(segment, 0, "warm-up", 0);
            for (int i = 0; i < 1_000; i++) {
                mutex.lock(-1);
                mutex.unlock();
            }
            // Contended: a waiter sleeps on the futex, times out, checks the (live) holder.
            mutex.lock(-1);
            Thread waiter = new Thread(() -> mutex.lock(2_000_000L), "forkj-shm-warm-up");
            waiter.start();
            join(waiter);
            mutex.tryLock();
            mutex.lock(0);
            mutex.unlock();
            // A dead holder, found at once (check period 0).
            Words.LONG.setVolatile(segment.buffer(), 8, 1L);
            Words.INT.setVolatile(segment.buffer(), 0, NO_SUCH_PID);
            try {
                mutex.lock(-1);
            } catch (OwnerDiedException expected) {
                expected.getMessage();
            }
            Words.INT.setVolatile(segment.buffer(), 0, NO_SUCH_PID | RobustMutex.WAITERS);
            try {
                mutex.lock(0);
            } catch (OwnerDiedException expected) {
                expected.getMessage();
            }
            mutex.holder();

            RobustSemaphore.initialize(sem, 1, -1);
            RobustSemaphore semaphore = new RobustSemaphore(sem, "warm-up", 0);
            semaphore.acquire(-1);
            semaphore.acquire(2_000_000L);
            semaphore.acquire(0);
            semaphore.heldByThisProcess();
            semaphore.release();
            semaphore.acquire(-1);
            // This process "dies": its slot is rewritten to a pid no process has.
            Words.INT.setVolatile(sem.buffer(), findSlot(sem), NO_SUCH_PID);
            try {
                semaphore.acquire(-1);
            } catch (OwnerDiedException expected) {
                expected.getMessage();
            }
            semaphore.acquire(0);
            semaphore.release();
            semaphore.value();
            semaphore.bound();
            Futex.await(segment.address() + 8, 1, 1);
            Futex.wake(segment.address() + 8, 1);
            Liveness.isDead(Self.pid(), Self.startTime());
            Liveness.isDead(NO_SUCH_PID, 0);
            new OwnerDiedException("warm-up", 0, 2).getMessage();
            // every timed call reads its timeout through this class (loaded by a FORK child, it failed to load)
            Timeouts.nanos(true, Duration.ofNanos(1));
            Timeouts.nanos(true, null);
            Timeouts.nanos(false, null);
        }
    }

    private static int findSlot(SharedSegment sem) {
        int me = Self.pid();
        for (int at = 64; at < RobustSemaphore.SIZE; at += 16) {
            if ((int) Words.INT.getVolatile(sem.buffer(), at) == me) {
                return at;
            }
        }
        return 64;
    }

    private static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
