package io.forkj.multiprocessing.internal.pool;

import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.Target;
import io.forkj.multiprocessing.internal.shm.SharedSegment;
import io.forkj.multiprocessing.internal.shm.Words;
import io.forkj.posix.ForkStallException;
import io.forkj.posix.internal.fork.StallProbe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
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
        if (method == StartMethod.FORK && !PoolWorker.isWarm()) {
            // (a memfd and a mapping for the warm-up: only until the first FORK launch has warmed up)
            try (SharedProgress warm = new SharedProgress()) {
                PoolWorker.warmUp(warm);
            }
        }
        // A FORK launch holds the fork lock from its pipes to its fork: the child must see exactly its own two
        // ends as handed to it (PoolPipes). SPAWN and standby children exec and inherit only what they are passed;
        // their launches (a standby one can wait seconds for an idle JVM) do not hold up other forks.
        if (method == StartMethod.FORK) {
            synchronized (PoolPipes.FORK_LOCK) {
                return start(true);
            }
        }
        return start(false);
    }

    // serial: the reference to serve is the worker's entry point, serialized to SPAWN children by design; the
    // stream it crosses in is filtered and bounded (Payload)
    @SuppressWarnings("serial")
    private Link start(boolean fork) throws IOException {
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
        SharedProgress progress = fork ? new SharedProgress() : null;
        try {
            if (fork) {
                PoolPipes.hand(taskIn.fd(), resultOut.fd());
                handedProgress = progress;
            }
            worker.start();
            started = true;
            OutputStream toWorker = tasks[1].openOutput();
            InputStream fromWorker = results[0].openInput();
            ProcessLink link = new ProcessLink(worker, toWorker, fromWorker, progress, tasks[0], results[0]);
            if (fork) {
                link.watchDeadline();
            }
            return link;
        } catch (RuntimeException e) {
            throw new IOException("could not start a pool worker (" + method + "): " + e.getMessage(), e);
        } finally {
            if (fork) {
                PoolPipes.hand();
                handedProgress = null;
            }
            if (!started && progress != null) {
                progress.close();
            }
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

    /**
     * The progress word of the FORK worker being forked (under the fork lock), which the child finds in its copy of
     * this field; null in SPAWN and standby children.
     */
    private static volatile SharedProgress handedProgress;

    /** The worker's body, in the child. */
    static void serve(PipeEnd[] ends) throws IOException {
        // The inherited fds stay open beside the streams until the worker exits: closing them would be the
        // child's first native call of that kind, which a FORK child should not make.
        SharedProgress progress = handedProgress;
        try (InputStream in = ends[0].openInput(); OutputStream out = ends[1].openOutput()) {
            PoolWorker.serve(in, out, 0, progress != null ? progress : PoolWorker.Progress.NONE);
        }
        System.out.flush();
    }

    /**
     * A FORK worker's progress: one word of a shared mapping that the fork copies as shared, written by the worker
     * with a plain store before each chunk's user code and read by the pool after the worker ended.
     */
    static final class SharedProgress extends PoolWorker.Progress implements AutoCloseable {
        private static final int STARTED = 0;
        private static final int PREPARING = Long.BYTES;
        private final SharedSegment segment = SharedSegment.create("forkj-pool-progress", 2 * Long.BYTES);
        private final ByteBuffer word = segment.buffer();
        /** The worker's own count of records it began to prepare (its copy of this object is its own). */
        private long preparations;

        SharedProgress() {
            // the child needs the mapping, not the memfd
            segment.closeFd();
            Words.LONG.setVolatile(word, STARTED, UNKNOWN);
            Words.LONG.setVolatile(word, PREPARING, 0L);
        }

        @Override
        void started(long id) {
            Words.LONG.setVolatile(word, STARTED, id);
            Words.LONG.setVolatile(word, PREPARING, 0L);
        }

        @Override
        void preparing() {
            Words.LONG.setVolatile(word, PREPARING, ++preparations);
        }

        @Override
        void prepared() {
            Words.LONG.setVolatile(word, PREPARING, 0L);
        }

        /** Which preparation the worker is in (a count that grows with each record), or 0 when it is in none. */
        synchronized long preparation() {
            return segment.isClosed() ? 0 : (long) Words.LONG.getVolatile(word, PREPARING);
        }

        /** The last chunk recorded, or {@link #UNKNOWN} once closed. */
        synchronized long last() {
            return segment.isClosed() ? UNKNOWN : (long) Words.LONG.getVolatile(word, STARTED);
        }

        @Override
        public synchronized void close() {
            segment.close();
        }
    }

    /** A worker process and its two pipes. */
    static final class ProcessLink implements Link {
        private static final long WATCHER_END_MILLIS = 5_000;
        private static final Duration WATCH_SLICE = Duration.ofMillis(250);
        /**
         * How long a FORK worker may sleep on a private futex while it prepares a record (deserializes a task,
         * function or initializer, which takes no sleep) before it counts as blocked for ever: seen, a worker
         * whose task deserialization entered a Java monitor that another thread of the parent held at its fork
         * (MpPoolIT hung in loop run 7 until the build's timeout).
         */
        private static final long PREPARING_ASLEEP_NANOS = 2_000_000_000L;
        private final MpProcess process;
        private final OutputStream tasks;
        private final InputStream results;
        private final SharedProgress progress;
        private final PipeEnd[] pipes;
        private volatile boolean stalled;
        private volatile Thread watcher;
        private volatile long startedChunk = PoolWorker.Progress.UNKNOWN;

        ProcessLink(MpProcess process, OutputStream tasks, InputStream results, SharedProgress progress,
                    PipeEnd... pipes) {
            this.process = process;
            this.tasks = tasks;
            this.results = results;
            this.progress = progress;
            this.pipes = pipes;
        }

        void watchDeadline() {
            Thread t = new Thread(() -> {
                try {
                    long lastPreparation = 0;
                    long asleepSince = 0;
                    // each bounded join looks for a stall in /proc (and enforces the fork deadline)
                    while (!process.join(WATCH_SLICE)) {
                        long preparation = progress.preparation();
                        long now = System.nanoTime();
                        if (preparation == 0 || preparation != lastPreparation
                                || StallProbe.inPrivateFutexWait(process.pid()).isEmpty()) {
                            lastPreparation = preparation;
                            asleepSince = now;
                        } else if (now - asleepSince >= PREPARING_ASLEEP_NANOS) {
                            // no user code of its runs yet: killed, the chunk it was given runs on another worker
                            stalled = true;
                            process.kill();
                        }
                    }
                } catch (ForkStallException e) {
                    // killed; the reader sees the pipe close and reports the task
                    stalled = true;
                } catch (InterruptedException | RuntimeException e) {
                    // nothing more to watch
                } catch (Error e) {
                    // The watch cannot go on, and a forked worker nobody watches may stall for ever holding its
                    // chunk: it is ended instead (its chunk runs on another worker).
                    try {
                        process.kill();
                    } catch (RuntimeException endedMeanwhile) {
                        // nothing left to end; the Error is what matters
                    }
                    throw e;
                }
            }, "forkj-pool-fork-watch-" + process.pid());
            t.setDaemon(true);
            watcher = t;
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
                Thread watching = watcher;
                if (watching != null) {
                    // it recognised the stall, if there was one, and ends now that the process has
                    watching.join(WATCHER_END_MILLIS);
                }
            } catch (ForkStallException e) {
                stalled = true;
                return -9;
            } finally {
                if (progress != null && !process.isAlive()) {
                    startedChunk = progress.last();
                    progress.close();
                }
                // the reader has its stream's end of file, so the pool closes both streams next
                for (PipeEnd pipe : pipes) {
                    pipe.forget();
                }
            }
            return process.exitCode().orElse(Integer.MIN_VALUE);
        }

        @Override
        public boolean stalled() {
            return stalled;
        }

        @Override
        public long startedChunk() {
            return startedChunk;
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
