package io.forkj.posix.internal.fork;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One platform thread that lives as long as the JVM and starts every child that carries the parent-death signal
 * (multiprocessing's daemon processes, standby JVMs), and every guarded fork asked for on a virtual thread.
 * {@code PR_SET_PDEATHSIG} fires when the thread that created the child exits, not the process: a child started
 * from a short-lived thread would be killed when that thread ends. A child forked on a virtual thread runs its
 * body on the copy of that virtual thread, whose first park (a sleep, a blocking read) waits for ever for a
 * scheduler and carriers the child does not have. Tasks are submitted (never executed), so an exception cannot
 * end this thread either.
 */
public final class Starter {
    private static final ExecutorService THREAD = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "forkj-starter");
        t.setDaemon(true);
        return t;
    });

    private static final MethodHandle IS_VIRTUAL = isVirtual();

    private Starter() {
    }

    /**
     * Whether the calling thread is a virtual thread ({@code Thread.isVirtual()}, JDK 21; never on JDK 17, which has
     * none).
     */
    public static boolean onVirtualThread() {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
        } catch (Throwable unexpected) {
            throw new IllegalStateException("Thread.isVirtual()", unexpected);
        }
    }

    private static MethodHandle isVirtual() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException beforeJdk21) {
            return null;
        }
    }

    /** Runs {@code task} on the starter thread and returns its result, rethrowing what it threw. */
    public static <T> T call(Callable<T> task) {
        return resultOf(THREAD.submit(task));
    }

    /**
     * Waits for {@code f}'s result, rethrowing what its task threw. An interrupt does not end the wait (the task may
     * have made a child whose handle must not be lost); it is kept for the caller to see.
     */
    public static <T> T resultOf(Future<T> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException(cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
