package io.forkj.it.mp;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Java monitor the JDK's common {@code Cleaner} takes to register a cleanable (every file opened by name, every
 * java.nio channel) and its cleaner thread takes to unlink one. A FORK child forked while a parent thread held it
 * waits for ever if it needs it. {@link #hog()} holds it from a parent thread nearly all the time, 2 ms at a
 * stretch, so that most forks copy it held (the it-tests JVM opens {@code java.lang.ref} and
 * {@code jdk.internal.ref} for this).
 */
final class CleanerMonitor {
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
            }
        }, "holds-the-cleaner-monitor");
        hog.start();
        return () -> {
            stop.set(true);
            hog.join();
        };
    }

    /** JDK 17's list head ({@code phantomCleanableList}), or JDK 24's list ({@code activeList}). */
    private static Object commonCleanerList() throws ReflectiveOperationException {
        Object cleaner = Class.forName("jdk.internal.ref.CleanerFactory").getMethod("cleaner").invoke(null);
        Field impl = java.lang.ref.Cleaner.class.getDeclaredField("impl");
        impl.setAccessible(true);
        Object cleanerImpl = impl.get(cleaner);
        for (String name : List.of("phantomCleanableList", "activeList")) {
            try {
                Field list = cleanerImpl.getClass().getDeclaredField(name);
                list.setAccessible(true);
                return list.get(cleanerImpl);
            } catch (NoSuchFieldException notThisJdk) {
                // the other name
            }
        }
        assumeTrue(false, "this JDK's CleanerImpl has neither phantomCleanableList nor activeList");
        return null;
    }
}
