package io.forkj.multiprocessing.internal.shm;

import io.forkj.multiprocessing.OwnerDiedException;

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

    private static void run() {
        try (SharedSegment segment = SharedSegment.create("forkj-warm-up", 64)) {
            RobustMutex mutex = new RobustMutex(segment, 0, "warm-up");
            Thread other = new Thread(() -> {
                for (int i = 0; i < 2_000; i++) {
                    mutex.lock(-1);
                    mutex.unlock();
                }
            }, "forkj-shm-warm-up");
            other.start();
            for (int i = 0; i < 2_000; i++) {
                mutex.lock(-1);
                mutex.unlock();
            }
            join(other);
            mutex.lock(-1);
            Thread waiter = new Thread(() -> {
                mutex.lock(RobustMutex.CHECK_NANOS * 2);
                if (mutex.holder() == Self.pid()) {
                    mutex.unlock();
                }
            }, "forkj-shm-warm-up");
            waiter.start();
            long until = System.nanoTime() + RobustMutex.CHECK_NANOS + 20_000_000L;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            mutex.unlock();
            join(waiter);
            Futex.await(segment.address() + 8, 1, 1);
            Futex.wake(segment.address() + 8, 1);
            Liveness.isDead(Self.pid(), Self.startTime());
            Self.startTime();
            new OwnerDiedException("warm-up", 0, 1).getMessage();
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
