package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.pool.PoolWorker;
import io.forkj.multiprocessing.internal.pool.WorkerLauncher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** Pool workers as threads over NIO pipes: the pool's protocol tested in one JVM. "Killing" one cuts its pipes. */
final class ThreadLauncher implements WorkerLauncher {
    private final AtomicInteger pids = new AtomicInteger(100_000);
    final List<ThreadLink> launched = new CopyOnWriteArrayList<>();

    @Override
    public Link launch() throws IOException {
        Pipe tasks = Pipe.open();
        Pipe results = Pipe.open();
        ThreadLink link = new ThreadLink(pids.incrementAndGet(), tasks, results);
        launched.add(link);
        return link;
    }

    static final class ThreadLink implements Link {
        final int pid;
        final Pipe tasks;
        final Pipe results;
        final CountDownLatch done = new CountDownLatch(1);
        volatile int code;

        ThreadLink(int pid, Pipe tasks, Pipe results) {
            this.pid = pid;
            this.tasks = tasks;
            this.results = results;
            Thread t = new Thread(() -> {
                try (InputStream in = Channels.newInputStream(tasks.source());
                     OutputStream out = Channels.newOutputStream(results.sink())) {
                    PoolWorker.serve(in, out, pid);
                } catch (IOException | RuntimeException e) {
                    if (code == 0) {
                        code = 1;
                    }
                } finally {
                    done.countDown();
                }
            }, "thread-worker-" + pid);
            t.setDaemon(true);
            t.start();
        }

        /** Simulates a SIGKILL: the pipes go, the "process" ends with -9. */
        void kill() {
            code = -9;
            try {
                results.sink().close();
                tasks.source().close();
            } catch (IOException ignored) {
                // closing
            }
            done.countDown();
        }

        @Override
        public int pid() {
            return pid;
        }

        @Override
        public OutputStream tasks() {
            return Channels.newOutputStream(tasks.sink());
        }

        @Override
        public InputStream results() {
            return Channels.newInputStream(results.source());
        }

        @Override
        public int awaitExit() throws InterruptedException {
            done.await();
            return code;
        }

        @Override
        public void terminate(long graceMillis) {
            if (done.getCount() > 0) {
                code = -15;
                kill();
                code = -15;
            }
        }

        @Override
        public boolean exited() {
            return done.getCount() == 0;
        }
    }
}
