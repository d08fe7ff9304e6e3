package io.forkj.multiprocessing.internal;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One thread that lives as long as the JVM and starts every child that carries the parent-death signal (daemon
 * processes, standby JVMs). {@code PR_SET_PDEATHSIG} fires when the thread that created the child exits, not
 * the process: a child started from a short-lived thread would be killed when that thread ends. Tasks are
 * submitted (never executed), so an exception cannot end this thread either.
 */
public final class Starter {
    private static final ExecutorService THREAD = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "forkj-mp-starter");
        t.setDaemon(true);
        return t;
    });

    private Starter() {
    }

    /** Runs {@code task} on the starter thread and returns its result, rethrowing what it threw. */
    public static <T> T call(Callable<T> task) {
        Future<T> f = THREAD.submit(task);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    // The child may be created already: wait for its handle rather than lose it.
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

    /** Runs {@code task} on the starter thread later. */
    public static Future<?> submit(Runnable task) {
        return THREAD.submit(task);
    }
}
