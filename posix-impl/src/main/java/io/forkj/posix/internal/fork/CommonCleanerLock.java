package io.forkj.posix.internal.fork;

import java.lang.ref.Cleaner;
import java.lang.reflect.Field;
import java.util.List;

/**
 * The monitor of the JDK's common {@code Cleaner}, held by the forking thread across {@code fork(2)}: what
 * {@code pthread_atfork} does for a mutex. Every file stream, java.nio buffer and newly linked invokedynamic call
 * site (a lambda, a record read by serialization, a string concatenation) registers with that cleaner under this
 * monitor, and its cleaner thread takes it to unlink cleaned objects. A forked child whose parent had another
 * thread inside it waits for ever at its first such registration (gdb and the JVM's {@code ps()} on stuck FORK
 * pool workers: {@code PhantomCleanable.insert} under {@code CallSite.<init>}). Forked while this thread holds
 * it, the child's one thread owns it and re-enters it freely, and the list it guards was not mid-change.
 *
 * <p>The object is private to java.base: it is reachable only when the JVM runs with
 * {@code --add-opens java.base/java.lang.ref=ALL-UNNAMED --add-opens java.base/jdk.internal.ref=ALL-UNNAMED}
 * (the forkj runnable jar's manifest says so). Without them {@link #MONITOR} is a private object and a child
 * keeps the risk, as before.
 */
public final class CommonCleanerLock {
    /** The common Cleaner's list (JDK 17: {@code phantomCleanableList}; JDK 24+: {@code activeList}), or a stand-in. */
    public static final Object MONITOR = find();

    private CommonCleanerLock() {
    }

    /** Whether {@link #MONITOR} is the common Cleaner's own monitor. */
    public static boolean reachable() {
        return MONITOR.getClass() != Object.class;
    }

    private static Object find() {
        try {
            Object cleaner = Class.forName("jdk.internal.ref.CleanerFactory").getMethod("cleaner").invoke(null);
            Field impl = Cleaner.class.getDeclaredField("impl");
            impl.setAccessible(true);
            Object cleanerImpl = impl.get(cleaner);
            for (String name : List.of("phantomCleanableList", "activeList")) {
                try {
                    Field list = cleanerImpl.getClass().getDeclaredField(name);
                    list.setAccessible(true);
                    Object monitor = list.get(cleanerImpl);
                    if (monitor != null && monitor.getClass() != Object.class) {
                        return monitor;
                    }
                } catch (NoSuchFieldException notThisJdk) {
                    // the other JDK's name
                }
            }
        } catch (ReflectiveOperationException | RuntimeException notOpened) {
            // java.base not opened to this module: no protection, as before
        }
        return new Object();
    }
}
