package io.forkj.multiprocessing.internal.pool;

import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.Target;
import io.forkj.posix.ForkStallException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * Starts pool workers as daemon {@link MpProcess}es with the given start method; each gets its task pipe's read end
 * and its result pipe's write end with its target. A FORK worker is watched by a thread that waits on it, so that
 * a FORK worker that stalls (a GC it cannot run) is recognised from /proc, killed and replaced instead of hanging its
 * task; its fork deadline is a year, since a worker lives as long as its pool.
 */
public final class MpLauncher implements WorkerLauncher {
    /**
     * A FORK worker lives as long as its pool, so the default fork deadline (30 s) would kill healthy workers
     * mid-task (seen: a FORK pool's workers replaced every 30 s). Stalls do not need it: the watch thread's joins
     * recognise a stalled worker from /proc within about 40 ms.
     */
    static final Duration FORK_WORKER_DEADLINE = Duration.ofDays(365);

    private final StartMethod method;

    /** @param method how workers start */
    public MpLauncher(StartMethod method) {
        this.method = method;
    }

    /** The start method. */
    public StartMethod method() {
        return method;
    }

    @Override
    public Link launch() throws IOException {
        if (method == StartMethod.FORK) {
            PoolWorker.warmUp();
        }
        // One launch at a time holds the fork lock from its pipes to its fork: the child must see exactly its own
        // two ends as handed to it (PoolPipes).
        synchronized (PoolPipes.FORK_LOCK) {
            PipeEnd[] tasks = PipeEnd.pipe();
            PipeEnd[] results;
            try {
                results = PipeEnd.pipe();
            } catch (IOException e) {
                tasks[0].close();
                tasks[1].close();
                tasks[0].forget();
                throw e;
            }
            PipeEnd taskIn = tasks[0];
            PipeEnd resultOut = results[1];
            MpProcess worker = new MpProcess(Target.of(MpLauncher::serve, new PipeEnd[] {taskIn, resultOut}),
                    "PoolWorker").daemon(true).startMethod(method).forkDeadline(FORK_WORKER_DEADLINE);
            boolean started = false;
            try {
                PoolPipes.hand(taskIn.fd(), resultOut.fd());
                worker.start();
                started = true;
                OutputStream toWorker = tasks[1].openOutput();
                InputStream fromWorker = results[0].openInput();
                ProcessLink link = new ProcessLink(worker, toWorker, fromWorker, tasks[0], results[0]);
                if (method == StartMethod.FORK) {
                    link.watchDeadline();
                }
                return link;
            } catch (RuntimeException e) {
                throw new IOException("could not start a pool worker (" + method + "): " + e.getMessage(), e);
            } finally {
                PoolPipes.hand();
                taskIn.close();
                resultOut.close();
                tasks[1].close();
                results[0].close();
                if (!started) {
                    tasks[0].forget();
                    results[0].forget();
                }
            }
        }
    }

    /** The worker's body, in the child. */
    static void serve(PipeEnd[] ends) throws IOException {
        // The inherited fds stay open beside the streams until the worker exits: closing them would be the
        // child's first native call of that kind, which a FORK child should not make.
        try (InputStream in = ends[0].openInput(); OutputStream out = ends[1].openOutput()) {
            PoolWorker.serve(in, out, 0);
        }
        System.out.flush();
    }

    /** A worker process and its two pipes. */
    static final class ProcessLink implements Link {
        private final MpProcess process;
        private final OutputStream tasks;
        private final InputStream results;
        private final PipeEnd[] pipes;

        ProcessLink(MpProcess process, OutputStream tasks, InputStream results, PipeEnd... pipes) {
            this.process = process;
            this.tasks = tasks;
            this.results = results;
            this.pipes = pipes;
        }

        void watchDeadline() {
            Thread t = new Thread(() -> {
                try {
                    while (!process.join(Duration.ofSeconds(1))) {
                        // each bounded join enforces the fork deadline
                    }
                } catch (ForkStallException stalled) {
                    // killed; the reader sees the pipe close and reports the task
                } catch (InterruptedException | RuntimeException e) {
                    // nothing more to watch
                }
            }, "forkj-pool-fork-watch-" + process.pid());
            t.setDaemon(true);
            t.start();
        }

        @Override
        public int pid() {
            return process.pid();
        }

        @Override
        public OutputStream tasks() {
            return tasks;
        }

        @Override
        public InputStream results() {
            return results;
        }

        @Override
        public int awaitExit() throws InterruptedException {
            try {
                process.join();
            } catch (ForkStallException stalled) {
                return -9;
            } finally {
                // the reader has its stream's end of file, so the pool closes both streams next
                for (PipeEnd pipe : pipes) {
                    pipe.forget();
                }
            }
            return process.exitCode().orElse(Integer.MIN_VALUE);
        }

        @Override
        public void terminate(long graceMillis) {
            try {
                if (!process.isAlive()) {
                    return;
                }
                process.terminate();
                if (!process.join(Duration.ofMillis(graceMillis))) {
                    process.kill();
                }
            } catch (InterruptedException e) {
                process.kill();
                Thread.currentThread().interrupt();
            } catch (RuntimeException alreadyGone) {
                // reaped meanwhile
            }
        }

        @Override
        public boolean exited() {
            return !process.isAlive();
        }
    }
}
