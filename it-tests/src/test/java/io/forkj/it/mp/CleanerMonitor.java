package io.forkj.it.mp;

import io.forkj.posix.internal.fork.CommonCleanerLock;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Java monitor the JDK's common {@code Cleaner} takes to register a cleanable (every file opened by name, every
 * java.nio channel) and its cleaner thread takes to unlink one. A FORK child forked while a parent thread held it
 * waits for ever if it needs it. {@link #hog()} holds it from a parent thread nearly all the time, 2 ms at a stretch
 * with 20 µs free between, so that most forks copy it held (the it-tests JVM opens {@code
 * java.lang.ref} and {@code jdk.internal.ref} for this).
 */
final class CleanerMonitor {
    private static final long GAP_NANOS = 20_000L;

    private CleanerMonitor() {
    }

    /** Starts the holding thread; closing the result stops it and waits for it. */
    static AutoCloseable hog() throws ReflectiveOperationException {
        Object monitor = commonCleanerList();
        AtomicBoolean stop = new AtomicBoolean();
        Thread hog = new Thread(() -> {
            while (!stop.get()) {
                synchronized (monitor) {
                    long until = System.nanoTime() + 2_000_000L;
                    while (System.nanoTime() - until < 0) {
                        Thread.onSpinWait();
                    }
                }
                // A gap after each hold: taken back at once, the monitor starved the guarded fork's own acquisition
                // for 10 to 170 s per test (one start past its 60 s deadline), old code and new alike. Short, so that
                // a fork made after taking the monitor in a gap (without holding it across the fork) still finds it
                // held again.
                long free = System.nanoTime() + GAP_NANOS;
                while (System.nanoTime() - free < 0) {
                    Thread.onSpinWait();
                }
            }
        }, "holds-the-cleaner-monitor");
        hog.start();
        return () -> {
            stop.set(true);
            hog.join();
        };
    }

    /** The monitor itself, found where the guarded fork finds it (the it-tests JVM opens java.base for it). */
    private static Object commonCleanerList() {
        assumeTrue(CommonCleanerLock.reachable(), "this JDK's common Cleaner has no list monitor forkj knows");
        return CommonCleanerLock.MONITOR;
    }
}
