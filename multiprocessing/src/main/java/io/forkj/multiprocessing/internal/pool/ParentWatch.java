package io.forkj.multiprocessing.internal.pool;

/**
 * Ends this helper process (a pool worker, a manager's server) when the process that started it is gone, even if
 * it is busy: the parent pid changes when the parent dies and a subreaper or init adopts us. Pure Java, so a
 * worker that needs no native call loads none.
 */
public final class ParentWatch {
    private static final long PERIOD_MILLIS = 200;

    private ParentWatch() {
    }

    /** Starts the daemon watcher thread. */
    public static void start() {
        start(() -> { });
    }

    /** Starts the daemon watcher thread; {@code cleanup} runs before this process halts. */
    public static void start(Runnable cleanup) {
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(PERIOD_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                long now;
                try {
                    now = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
                } catch (RuntimeException | Error e) {
                    continue; // an OutOfMemoryError, say: this thread must outlive it, or nothing ends us with the parent
                }
                if (now != parent) {
                    try {
                        cleanup.run();
                    } finally {
                        Runtime.getRuntime().halt(1);
                    }
                }
            }
        }, "forkj-parent-watch");
        t.setDaemon(true);
        t.start();
    }
}
