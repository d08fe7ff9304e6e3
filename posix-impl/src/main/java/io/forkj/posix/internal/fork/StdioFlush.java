package io.forkj.posix.internal.fork;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Flushes {@code System.out} and {@code System.err} before a fork, so output printed before the fork comes
 * before the child's, without ever letting the fork wait on their locks: another thread may hold one for a
 * long time (a blocked write to a full pipe). The flush runs on a helper thread; the forking thread waits a
 * bounded time and forks anyway. A flush still stuck is not repeated until it finishes.
 */
public final class StdioFlush {
    private static final long WAIT_MILLIS = 100;
    private static final ExecutorService FLUSHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "forkj-stdio-flush");
        t.setDaemon(true);
        return t;
    });
    private static final Runnable FLUSH = () -> {
        System.out.flush();
        System.err.flush();
    };
    private static Future<?> pending;

    private StdioFlush() {
    }

    /**
     * Flushes both streams, waiting at most 100 ms.
     *
     * @return true if both were flushed, false if a lock held elsewhere kept the flush from finishing
     */
    public static synchronized boolean flush() {
        if (pending == null || pending.isDone()) {
            pending = FLUSHER.submit(FLUSH);
        }
        try {
            pending.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException stillBlocked) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }
}
