package io.forkj.multiprocessing.internal.pool;

import io.forkj.multiprocessing.ResultEncodingException;
import io.forkj.multiprocessing.WorkerDiedException;
import io.forkj.multiprocessing.internal.queue.Items;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent side of a process pool (CPython's {@code Pool} task, result and worker handlers in one place):
 * jobs cut into chunks, chunks sent to workers, results and errors delivered, dead workers replaced.
 *
 * <p>Each worker has its own task pipe, so the pool always knows which chunks a worker holds: the first one
 * without an answer is the one it is running (the worker flushes every answer before it starts the next
 * chunk). A worker is sent at most a small window of chunks ahead (more when many chunks wait, one when few do,
 * so that long tasks spread over all workers). When a worker dies, its running chunk fails with
 * {@link WorkerDiedException} naming its pid and exit code, the chunks it had not started go back to the front
 * of the queue, and a new worker replaces it.
 *
 * <p>All state is guarded by one lock; user code (callbacks, dependent futures) runs after it is released.
 * Stream writes happen on one writer thread per worker, never under the lock: a worker blocked on a full
 * result pipe must never hold up the thread that drains it.
 */
public final class PoolCore {
    /** The lifecycle of the pool: accepting work, draining (Python's {@code close()}), or terminated. */
    public enum State { RUNNING, CLOSED, TERMINATED }

    private static final int MAX_WINDOW = 64;
    private static final int LOOKAHEAD_PER_WORKER = 64;
    private static final int DEATHS_BEFORE_READY_LIMIT = 3;
    /**
     * How many times a chunk runs again after FORK workers stalled before its user code began; a chunk that keeps
     * stalling its workers (its own classes, say) then fails like any other.
     */
    private static final int STALL_RETRIES = 3;
    /** How long a worker with nothing to do may take to exit once its task stream ended. */
    private static final long QUIT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** SIGTERM to SIGKILL for a worker that did not exit within the quit grace. */
    private static final long TERMINATE_GRACE_MILLIS = 1_000;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final WorkerLauncher launcher;
    private final int size;
    private final byte[] initializer;
    private final int maxTasksPerChild;
    private final String name;
    private final AtomicInteger threadIds = new AtomicInteger();

    private final ArrayDeque<Chunk> pending = new ArrayDeque<>();
    private final ArrayDeque<IterJob> feeders = new ArrayDeque<>();
    private final List<Slot> slots = new ArrayList<>();
    private final Set<Job> live = new LinkedHashSet<>();
    private final List<Runnable> deferred = new ArrayList<>();
    private int starting;
    private State state = State.RUNNING;
    private RuntimeException broken;
    private int deathsBeforeReady;
    private long nextId = 1;

    /**
     * Starts {@code size} workers in the background; work submitted meanwhile waits for the first ready one.
     *
     * @param initializer a serialized {@code Runnable} every worker runs first, or an empty array
     * @param maxTasksPerChild chunks a worker runs before it is replaced; 0 for no limit
     */
    public PoolCore(WorkerLauncher launcher, int size, byte[] initializer, int maxTasksPerChild) {
        if (size < 1) {
            throw new IllegalArgumentException("processes=" + size + ": a pool needs at least 1 worker");
        }
        if (maxTasksPerChild < 0) {
            throw new IllegalArgumentException("maxTasksPerChild=" + maxTasksPerChild + " must be >= 0 (0: no limit)");
        }
        this.launcher = launcher;
        this.size = size;
        this.initializer = initializer;
        this.maxTasksPerChild = maxTasksPerChild;
        this.name = "forkj-pool-" + POOLS.incrementAndGet();
        lock.lock();
        try {
            for (int i = 0; i < size; i++) {
                startWorker();
            }
        } finally {
            unlock();
        }
    }

    /** The number of workers the pool keeps. */
    public int size() {
        return size;
    }

    /** The current state. */
    public State state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** The pids of the workers running now (ready or starting up), for tests and tools. */
    public List<Integer> workerPids() {
        lock.lock();
        try {
            List<Integer> pids = new ArrayList<>();
            for (Slot s : slots) {
                pids.add(s.link.pid());
            }
            return pids;
        } finally {
            lock.unlock();
        }
    }

    // ---- submitting

    /** One callable ({@code apply_async}, {@code submit}); {@code task} is its serialized form. */
    public TaskFuture<Object> submitCall(byte[] task, String description, Object origin) {
        lock.lock();
        try {
            checkAccepting();
            CallJob job = new CallJob(nextId++, description, origin);
            Chunk c = new Chunk(job, 0, 0, 1, task);
            job.chunksCreated = 1;
            live.add(job);
            pending.add(c);
            dispatch();
            return job.future;
        } finally {
            unlock();
        }
    }

    /**
     * {@code map_async} / {@code starmap_async}: every item known now, cut into chunks of {@code chunksize}.
     *
     * @param kind {@link PoolWorker#MAP_KIND} or {@link PoolWorker#STAR_KIND}
     */
    public CompletableFuture<List<Object>> submitList(byte kind, byte[] function, List<?> items, int chunksize,
                                                      String description) {
        if (chunksize < 1) {
            throw new IllegalArgumentException("chunksize=" + chunksize + " must be >= 1");
        }
        List<byte[]> payloads = new ArrayList<>();
        for (int start = 0; start < items.size(); start += chunksize) {
            int end = Math.min(items.size(), start + chunksize);
            payloads.add(encodeItems(items.subList(start, end).toArray(), start, end - 1));
        }
        lock.lock();
        try {
            checkAccepting();
            ListJob job = new ListJob(nextId++, kind, function, items.size(), description);
            if (items.isEmpty()) {
                job.future.complete(List.of());
                return job.future;
            }
            live.add(job);
            int start = 0;
            for (int i = 0; i < payloads.size(); i++) {
                int count = Math.min(chunksize, items.size() - start);
                pending.add(new Chunk(job, i, start, count, payloads.get(i)));
                start += count;
            }
            job.chunksCreated = payloads.size();
            dispatch();
            return job.future;
        } finally {
            unlock();
        }
    }

    /**
     * {@code imap} / {@code imap_unordered}: items are taken from {@code source} only as workers need them
     * (at most 64 chunks per worker ahead), so the source may be endless or lazy.
     */
    public <R> ResultIterator<R> submitIter(byte kind, byte[] function, Iterator<?> source, int chunksize,
                                            boolean ordered, String description) {
        if (chunksize < 1) {
            throw new IllegalArgumentException("chunksize=" + chunksize + " must be >= 1");
        }
        lock.lock();
        try {
            checkAccepting();
            IterJob job = new IterJob(nextId++, kind, function, source, chunksize, ordered, description);
            live.add(job);
            feeders.add(job);
            dispatch();
            return new ResultIterator<>(job);
        } finally {
            unlock();
        }
    }

    private void checkAccepting() {
        if (broken != null) {
            throw new IllegalStateException("pool " + name + " is broken: " + broken.getMessage(), broken);
        }
        if (state != State.RUNNING) {
            throw new IllegalStateException("Pool not running (" + state.name().toLowerCase()
                    + "): no task is accepted after close() or terminate()");
        }
    }

    // ---- lifecycle

    /** Python's {@code close()}: accepts no more work; workers exit once every submitted task is done. */
    public void close() {
        lock.lock();
        try {
            if (state == State.RUNNING) {
                state = State.CLOSED;
                maybeRetireAll();
                changed.signalAll();
            }
        } finally {
            unlock();
        }
    }

    /**
     * Python's {@code terminate()}: every unfinished task fails with {@link CancellationException}, workers get
     * SIGTERM and, if still there after {@code graceMillis}, SIGKILL; returns once all have been reaped.
     *
     * @return the {@code origin}s of the calls no worker had started
     */
    public List<Object> terminate(long graceMillis) {
        List<Slot> victims;
        List<Object> neverStarted = new ArrayList<>();
        lock.lock();
        try {
            if (state != State.TERMINATED) {
                state = State.TERMINATED;
                List<Chunk> notStarted = new ArrayList<>(pending);
                for (Slot s : slots) {
                    // a worker runs only the first chunk it holds; those queued behind it never started
                    notStarted.addAll(new ArrayList<>(s.outstanding).subList(Math.min(1, s.outstanding.size()),
                            s.outstanding.size()));
                }
                for (Chunk c : notStarted) {
                    if (c.job instanceof CallJob && !c.job.finished) {
                        neverStarted.add(((CallJob) c.job).origin);
                    }
                }
                pending.clear();
                feeders.clear();
                for (Job j : new ArrayList<>(live)) {
                    failJob(j, new CancellationException("pool " + name + " was terminated before the task finished"));
                }
                for (Slot s : slots) {
                    s.canSend.signalAll();
                }
                changed.signalAll();
            }
            victims = new ArrayList<>(slots);
        } finally {
            unlock();
        }
        for (Slot s : victims) {
            s.link.terminate(graceMillis);
        }
        try {
            awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return neverStarted;
    }

    /**
     * Waits, without a timeout, until every worker has exited and been reaped after {@link #close()} or
     * {@link #terminate}; an interrupt does not end the wait but runs {@code onFirstInterrupt} once (a close that
     * turns into a terminate, say), and the interrupt status is set again on return.
     */
    public void awaitTerminationUninterruptibly(Runnable onFirstInterrupt) {
        boolean interrupted = false;
        while (true) {
            try {
                awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
                break;
            } catch (InterruptedException e) {
                if (!interrupted) {
                    interrupted = true;
                    onFirstInterrupt.run();
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits until every worker has exited and been reaped after {@link #close()} or {@link #terminate}.
     *
     * @return false if the timeout passed first
     */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + Math.min(unit.toNanos(timeout), Long.MAX_VALUE / 4);
        lock.lock();
        try {
            while (!(state != State.RUNNING && slots.isEmpty() && starting == 0)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether every worker has ended after close or terminate. */
    public boolean isTerminated() {
        lock.lock();
        try {
            return state != State.RUNNING && slots.isEmpty() && starting == 0;
        } finally {
            lock.unlock();
        }
    }

    // ---- dispatching (lock held)

    private void dispatch() {
        if (state == State.TERMINATED) {
            return;
        }
        topUp();
        int window = Math.max(1, Math.min(MAX_WINDOW, pending.size() / (2 * size)));
        boolean progress = true;
        while (progress && !pending.isEmpty()) {
            progress = false;
            for (Slot s : slots) {
                if (pending.isEmpty()) {
                    break;
                }
                if (s.ready && !s.retiring && s.outstanding.size() < window) {
                    Chunk c = pending.poll();
                    if (c.job.finished) {
                        progress = true;
                        continue;
                    }
                    assign(s, c);
                    progress = true;
                }
            }
            if (pending.isEmpty()) {
                topUp();
            }
        }
        maybeRetireAll();
    }

    private void topUp() {
        int limit = size * LOOKAHEAD_PER_WORKER;
        while (pending.size() < limit && !feeders.isEmpty()) {
            IterJob job = feeders.peek();
            Chunk c;
            try {
                c = job.nextChunk();
            } catch (RuntimeException e) {
                feeders.poll();
                failJob(job, e);
                continue;
            }
            if (c == null) {
                feeders.poll();
                job.checkFinished();
            } else {
                pending.add(c);
            }
        }
    }

    private void assign(Slot s, Chunk c) {
        Job job = c.job;
        if (job.function != null && s.knownJobs.add(job.id)) {
            s.send.add(new Out(PoolWorker.FN, job.id, null, job.function));
        }
        s.send.add(new Out(PoolWorker.CHUNK, c.id, c, null));
        s.outstanding.add(c);
        c.slot = s;
        s.sent++;
        if (maxTasksPerChild > 0 && s.sent >= maxTasksPerChild) {
            s.retiring = true;
        }
        s.canSend.signal();
    }

    /** After close(), once no work is left, every worker is told to exit (its task stream is closed). */
    private void maybeRetireAll() {
        if (state == State.CLOSED && live.isEmpty()) {
            for (Slot s : slots) {
                s.quit = true;
                s.canSend.signal();
            }
        }
    }

    // ---- results (lock held)

    private void resolved(Slot s, long chunkId, Object[] values, Throwable error) {
        Chunk c = s.outstanding.poll();
        if (c == null || c.id != chunkId) {
            protocolError(s, "answer for chunk " + chunkId + " but the pool expected "
                    + (c == null ? "none" : String.valueOf(c.id)));
            return;
        }
        Job job = c.job;
        if (!job.finished) {
            if (error != null) {
                job.chunkFailed(c, error);
            } else {
                job.chunkDone(c, values);
            }
            job.checkFinished();
        }
        dispatch();
    }

    private void jobFinished(Job job) {
        live.remove(job);
        if (job.function != null) {
            for (Slot s : slots) {
                if (s.knownJobs.remove(job.id)) {
                    s.send.add(new Out(PoolWorker.DROP, job.id, null, null));
                    s.canSend.signal();
                }
            }
        }
        maybeRetireAll();
        changed.signalAll();
    }

    private void failJob(Job job, Throwable t) {
        if (!job.finished) {
            job.fail(t);
            job.finished = true;
            jobFinished(job);
        }
    }

    private void slotEnded(Slot s, int exitCode, String why) {
        slots.remove(s);
        Chunk running = s.outstanding.poll();
        if (running != null && !running.job.finished && s.link.stalled()
                && s.link.startedChunk() != running.id && running.stallRetries < STALL_RETRIES) {
            // A FORK worker stalled before this chunk's user code began (its progress word says so): nothing of
            // the task ran, so it runs again on another worker instead of failing for forkj's own stall.
            running.stallRetries++;
            s.outstanding.addFirst(running);
            running = null;
        }
        if (running != null && !running.job.finished) {
            WorkerDiedException died = new WorkerDiedException(s.link.pid(), exitCode, running.describe()
                    + (why == null ? "" : " (" + why + ")"));
            running.job.chunkFailed(running, died);
            running.job.checkFinished();
        }
        Iterator<Chunk> notStarted = s.outstanding.descendingIterator();
        while (notStarted.hasNext()) {
            Chunk c = notStarted.next();
            c.slot = null;
            pending.addFirst(c);
        }
        s.outstanding.clear();
        if (!s.ready && broken == null && state != State.TERMINATED) {
            if (++deathsBeforeReady >= DEATHS_BEFORE_READY_LIMIT) {
                breakPool(new IllegalStateException(DEATHS_BEFORE_READY_LIMIT + " workers in a row ended before they"
                        + " were ready (the last one, pid " + s.link.pid() + ", with exit code " + exitCode
                        + "); see their stderr"));
            }
        }
        boolean workLeft = !live.isEmpty();
        if (broken == null && (state == State.RUNNING || (state == State.CLOSED && workLeft))) {
            startWorker();
        }
        dispatch();
        changed.signalAll();
    }

    private void breakPool(RuntimeException why) {
        broken = why;
        pending.clear();
        feeders.clear();
        for (Job j : new ArrayList<>(live)) {
            failJob(j, why);
        }
        for (Slot s : slots) {
            s.quit = true;
            s.canSend.signal();
        }
        if (state == State.RUNNING) {
            state = State.CLOSED;
        }
    }

    private void protocolError(Slot s, String what) {
        breakPool(new IllegalStateException("pool protocol error with worker pid " + s.link.pid() + ": " + what));
        s.link.terminate(0);
    }

    /** Releases the lock, then runs the user-visible completions collected meanwhile. */
    private void unlock() {
        List<Runnable> run = null;
        if (!deferred.isEmpty() && lock.getHoldCount() == 1) {
            run = new ArrayList<>(deferred);
            deferred.clear();
        }
        lock.unlock();
        if (run != null) {
            for (Runnable r : run) {
                r.run();
            }
        }
    }

    // ---- workers

    private void startWorker() {
        starting++;
        Thread t = new Thread(() -> {
            WorkerLauncher.Link link = null;
            IOException failure = null;
            try {
                link = launcher.launch();
            } catch (IOException | RuntimeException | Error e) {
                // An Error too (a NoClassDefFoundError from an incomplete classpath): a starter that died with it
                // left the pool waiting for ever for a worker that would never come, in map() and in close().
                failure = e instanceof IOException ? (IOException) e : new IOException(e.toString(), e);
            }
            lock.lock();
            try {
                starting--;
                if (failure != null) {
                    if (broken == null) {
                        breakPool(new IllegalStateException("a pool worker could not be started: " + failure.getMessage(), failure));
                    }
                } else if (state == State.TERMINATED || broken != null) {
                    link.terminate(0);
                    link.tasks().close();
                } else {
                    Slot s = new Slot(link);
                    slots.add(s);
                    s.send.add(new Out(PoolWorker.INIT, maxTasksPerChild, null, initializer));
                    s.start();
                    if (state == State.CLOSED && live.isEmpty()) {
                        s.quit = true;
                    }
                }
                changed.signalAll();
            } catch (IOException ignored) {
                // closing the stream of a worker we just killed
            } finally {
                unlock();
            }
        }, name + "-starter-" + threadIds.incrementAndGet());
        t.setDaemon(true);
        t.start();
    }

    private final class Slot {
        final WorkerLauncher.Link link;
        final ArrayDeque<Chunk> outstanding = new ArrayDeque<>();
        final ArrayDeque<Out> send = new ArrayDeque<>();
        final Condition canSend = lock.newCondition();
        final Set<Long> knownJobs = new HashSet<>();
        boolean ready;
        boolean retiring;
        boolean quit;
        int sent;

        Slot(WorkerLauncher.Link link) {
            this.link = link;
        }

        void start() {
            Thread writer = new Thread(this::writeLoop, name + "-writer-" + link.pid());
            Thread reader = new Thread(this::readLoop, name + "-reader-" + link.pid());
            writer.setDaemon(true);
            reader.setDaemon(true);
            writer.start();
            reader.start();
        }

        private void writeLoop() {
            OutputStream raw = link.tasks();
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16));
            List<Out> batch = new ArrayList<>();
            try {
                while (true) {
                    boolean stop;
                    lock.lock();
                    try {
                        while (send.isEmpty() && !quit && state != State.TERMINATED && slots.contains(this)) {
                            canSend.await();
                        }
                        batch.addAll(send);
                        send.clear();
                        stop = batch.isEmpty();
                    } finally {
                        lock.unlock();
                    }
                    if (stop) {
                        break;
                    }
                    for (Out o : batch) {
                        o.write(out);
                    }
                    out.flush();
                    batch.clear();
                }
            } catch (IOException | InterruptedException e) {
                // the worker is gone; the reader reports it
            } finally {
                try {
                    raw.close();
                } catch (IOException ignored) {
                    // already broken
                }
            }
            endIfStuck();
        }

        /**
         * A worker whose task stream has ended with no task outstanding exits at once; one still there after
         * {@link #QUIT_GRACE_NANOS} is stuck and is ended, so that {@code close()} returns. Seen: a FORK worker
         * blocked for ever entering a Java monitor that another thread of the parent held at its fork (JDK 17
         * parks such a thread with a timeout, so the stall probe cannot prove it).
         */
        private void endIfStuck() {
            lock.lock();
            try {
                if (!outstanding.isEmpty() || state == State.TERMINATED) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            long end = System.nanoTime() + QUIT_GRACE_NANOS;
            while (!link.exited()) {
                if (System.nanoTime() - end > 0) {
                    link.terminate(TERMINATE_GRACE_MILLIS);
                    return;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void readLoop() {
            String why = null;
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(link.results(), 1 << 16))) {
                int first = in.read();
                if (first == PoolWorker.READY) {
                    in.readInt();
                    lock.lock();
                    try {
                        ready = true;
                        deathsBeforeReady = 0;
                        dispatch();
                    } finally {
                        unlock();
                    }
                } else if (first == PoolWorker.INIT_FAILED) {
                    Throwable t = decodeThrowable(PoolWorker.readBytes(in));
                    lock.lock();
                    try {
                        breakPool(new IllegalStateException("the pool's initializer failed in worker pid " + link.pid()
                                + ": " + t, t));
                    } finally {
                        unlock();
                    }
                    return;
                } else if (first >= 0) {
                    why = "pool protocol: expected READY, got record type " + first;
                    return;
                } else {
                    return;
                }
                while (true) {
                    int type = in.read();
                    if (type < 0) {
                        return;
                    }
                    long id = in.readLong();
                    Object[] values = null;
                    Throwable error = null;
                    if (type == PoolWorker.OK) {
                        byte[] encoded = PoolWorker.readBytes(in);
                        try {
                            values = Items.decodeArray(encoded);
                        } catch (RuntimeException | Error e) {
                            // The record was read whole, so the stream is intact: this chunk fails, not the worker.
                            error = unreadableResult(id, e);
                        }
                    } else if (type == PoolWorker.ERR) {
                        in.readInt();
                        error = decodeThrowable(PoolWorker.readBytes(in));
                    } else {
                        why = "pool protocol: unknown record type " + type;
                        return;
                    }
                    lock.lock();
                    try {
                        resolved(this, id, values, error);
                    } finally {
                        unlock();
                    }
                }
            } catch (IOException | RuntimeException | Error e) {
                // An Error too: a reader that dies without ending its slot leaves the slot's tasks and close() waiting.
                why = "its result stream failed: " + e;
            } finally {
                ended(why);
            }
        }

        private void ended(String why) {
            if (why != null) {
                link.terminate(0);
            }
            int code;
            try {
                code = link.awaitExit();
            } catch (InterruptedException e) {
                code = Integer.MIN_VALUE;
            }
            lock.lock();
            try {
                slotEnded(this, code, why);
            } finally {
                unlock();
            }
        }
    }

    private static byte[] encodeItems(Object[] items, int first, int last) {
        try {
            return Items.encodeArray(items);
        } catch (java.io.NotSerializableException e) {
            throw new IllegalArgumentException("an argument among items " + first + ".." + last
                    + " cannot be serialized: " + Serial.why(e), e);
        }
    }

    private static Throwable decodeThrowable(byte[] bytes) {
        try {
            return (Throwable) Serial.read(bytes, "a task's exception");
        } catch (RuntimeException | Error e) {
            return e;
        }
    }

    /**
     * A result the worker sent that this process cannot read (its class's initializer or {@code readObject} threw,
     * or there is no heap for it): CPython's pool hangs on a result it cannot unpickle; here its tasks fail.
     */
    private static ResultEncodingException unreadableResult(long chunkId, Throwable cause) {
        ResultEncodingException e = new ResultEncodingException("the result of chunk " + chunkId + " was sent but "
                + "could not be read in this process: " + cause);
        e.initCause(cause);
        return e;
    }

    /** One record to a worker. */
    private static final class Out {
        final byte type;
        final long number;
        final Chunk chunk;
        final byte[] bytes;

        Out(byte type, long number, Chunk chunk, byte[] bytes) {
            this.type = type;
            this.number = number;
            this.chunk = chunk;
            this.bytes = bytes;
        }

        void write(DataOutputStream out) throws IOException {
            out.writeByte(type);
            switch (type) {
                case PoolWorker.INIT:
                    out.writeInt((int) number);
                    PoolWorker.writeBytes(out, bytes);
                    break;
                case PoolWorker.FN:
                    out.writeLong(number);
                    PoolWorker.writeBytes(out, bytes);
                    break;
                case PoolWorker.DROP:
                    out.writeLong(number);
                    break;
                case PoolWorker.CHUNK:
                    out.writeLong(chunk.id);
                    out.writeLong(chunk.job.id);
                    out.writeByte(chunk.job.kind);
                    PoolWorker.writeBytes(out, chunk.items);
                    break;
                default:
                    throw new IllegalStateException("record type " + type);
            }
        }
    }

    // ---- jobs

    /** A piece of a job sent to one worker: Python's chunk, which a worker counts as one task. */
    private final class Chunk {
        final long id = nextId++;
        int stallRetries;
        final Job job;
        final int index;
        final int start;
        final int count;
        final byte[] items;
        Slot slot;

        Chunk(Job job, int index, int start, int count, byte[] items) {
            this.job = job;
            this.index = index;
            this.start = start;
            this.count = count;
            this.items = items;
        }

        String describe() {
            return job.description + (job instanceof CallJob ? "" : ", items " + start + ".." + (start + count - 1));
        }
    }

    private abstract class Job {
        final long id;
        final byte kind;
        final byte[] function;
        final String description;
        int chunksCreated;
        int chunksResolved;
        boolean finished;

        Job(long id, byte kind, byte[] function, String description) {
            this.id = id;
            this.kind = kind;
            this.function = function;
            this.description = description;
        }

        abstract void chunkDone(Chunk c, Object[] values);

        abstract void chunkFailed(Chunk c, Throwable t);

        /** Fails what is left of the job (terminate, broken pool, cancel). */
        abstract void fail(Throwable t);

        boolean inputExhausted() {
            return true;
        }

        void checkFinished() {
            if (!finished && inputExhausted() && chunksResolved == chunksCreated) {
                finished = true;
                complete();
                jobFinished(this);
            }
        }

        void complete() {
        }
    }

    private final class CallJob extends Job {
        final TaskFuture<Object> future = new TaskFuture<>(this);
        final Object origin;

        CallJob(long id, String description, Object origin) {
            super(id, PoolWorker.CALL, null, description);
            this.origin = origin;
        }

        @Override
        void chunkDone(Chunk c, Object[] values) {
            chunksResolved++;
            deferred.add(() -> future.completeFromPool(values[0], null));
        }

        @Override
        void chunkFailed(Chunk c, Throwable t) {
            chunksResolved++;
            deferred.add(() -> future.completeFromPool(null, t));
        }

        @Override
        void fail(Throwable t) {
            deferred.add(() -> future.completeFromPool(null, t));
        }
    }

    private final class ListJob extends Job {
        final CompletableFuture<List<Object>> future = new CompletableFuture<>();
        final Object[] results;

        ListJob(long id, byte kind, byte[] function, int n, String description) {
            super(id, kind, function, description);
            results = new Object[n];
        }

        @Override
        void chunkDone(Chunk c, Object[] values) {
            chunksResolved++;
            System.arraycopy(values, 0, results, c.start, values.length);
        }

        @Override
        void chunkFailed(Chunk c, Throwable t) {
            chunksResolved++;
            failJob(this, t);
        }

        @Override
        void complete() {
            List<Object> list = Arrays.asList(results);
            deferred.add(() -> future.complete(list));
        }

        @Override
        void fail(Throwable t) {
            pending.removeIf(c -> c.job == this);
            deferred.add(() -> future.completeExceptionally(t));
        }
    }

    /** An imap job: chunks made lazily from a source, results handed to one {@link ResultIterator}. */
    private final class IterJob extends Job {
        final Iterator<?> source;
        final int chunksize;
        final boolean ordered;
        final Condition arrived = lock.newCondition();
        final Map<Integer, Object> byChunk = new HashMap<>();
        final ArrayDeque<Object> unordered = new ArrayDeque<>();
        boolean exhausted;
        int nextItem;
        Throwable failure;

        IterJob(long id, byte kind, byte[] function, Iterator<?> source, int chunksize, boolean ordered,
                String description) {
            super(id, kind, function, description);
            this.source = source;
            this.chunksize = chunksize;
            this.ordered = ordered;
        }

        Chunk nextChunk() {
            if (exhausted) {
                return null;
            }
            List<Object> items = new ArrayList<>(chunksize);
            while (items.size() < chunksize && source.hasNext()) {
                Object item = source.next();
                items.add(kind == PoolWorker.STAR_KIND ? PoolSupport.pair(item) : item);
            }
            if (!source.hasNext()) {
                exhausted = true;
            }
            if (items.isEmpty()) {
                return null;
            }
            int start = nextItem;
            nextItem += items.size();
            byte[] payload = encodeItems(items.toArray(), start, nextItem - 1);
            return new Chunk(this, chunksCreated++, start, items.size(), payload);
        }

        @Override
        boolean inputExhausted() {
            return exhausted;
        }

        @Override
        void checkFinished() {
            super.checkFinished();
            arrived.signalAll();
        }

        @Override
        void chunkDone(Chunk c, Object[] values) {
            chunksResolved++;
            if (ordered) {
                byChunk.put(c.index, values);
            } else {
                unordered.addAll(Arrays.asList(values));
            }
            arrived.signalAll();
        }

        @Override
        void chunkFailed(Chunk c, Throwable t) {
            chunksResolved++;
            if (ordered) {
                byChunk.put(c.index, new Failure(t));
            } else {
                unordered.add(new Failure(t));
            }
            arrived.signalAll();
        }

        @Override
        void fail(Throwable t) {
            failure = t;
            pending.removeIf(c -> c.job == this);
            feeders.remove(this);
            arrived.signalAll();
        }
    }

    private static final class Failure {
        final Throwable cause;

        Failure(Throwable cause) {
            this.cause = cause;
        }
    }

    /** Cancels a call that no worker has started; false if it runs already. */
    boolean cancel(Job job) {
        lock.lock();
        try {
            if (job.finished) {
                return false;
            }
            boolean removed = pending.removeIf(c -> c.job == job);
            if (removed) {
                job.finished = true;
                jobFinished(job);
            }
            return removed;
        } finally {
            unlock();
        }
    }

    /**
     * The future of one call: a {@link CompletableFuture} whose {@code cancel} also takes the task off the queue
     * when no worker has started it (a running task cannot be cancelled, as in CPython).
     */
    public final class TaskFuture<T> extends CompletableFuture<T> {
        private final Job job;

        TaskFuture(Job job) {
            this.job = job;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (isDone()) {
                return false;
            }
            if (!PoolCore.this.cancel(job)) {
                return false;
            }
            return super.cancel(mayInterruptIfRunning);
        }

        @SuppressWarnings("unchecked")
        void completeFromPool(Object value, Throwable error) {
            if (error != null) {
                super.completeExceptionally(error);
            } else {
                super.complete((T) value);
            }
        }
    }

    /**
     * The results of {@code imap}: ordered or in completion order; {@link #next(long, TimeUnit)} is Python's
     * {@code IMapIterator.next(timeout)}. A failed task's exception is thrown by the {@code next()} that reaches it
     * (a RuntimeException or Error as it is, a checked one in a {@link CompletionException}); iteration may go on
     * after it.
     */
    public final class ResultIterator<R> implements io.forkj.multiprocessing.ImapIterator<R> {
        private final IterJob job;
        private int chunk;
        private Object[] current;
        private int offset;

        ResultIterator(IterJob job) {
            this.job = job;
        }

        @Override
        public boolean hasNext() {
            try {
                return await(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted while waiting for the next imap result");
            } catch (TimeoutException impossible) {
                throw new IllegalStateException(impossible);
            }
        }

        @Override
        public R next() {
            if (!hasNext()) {
                throw new NoSuchElementException("imap: no more results");
            }
            return take();
        }

        /**
         * Waits at most {@code timeout} for the next result.
         *
         * @throws TimeoutException       if it does not arrive in time (Python's {@code multiprocessing.TimeoutError})
         * @throws NoSuchElementException if there are no more results
         */
        @Override
        public R next(long timeout, TimeUnit unit) throws TimeoutException, InterruptedException {
            if (!await(unit.toNanos(timeout))) {
                throw new NoSuchElementException("imap: no more results");
            }
            return take();
        }

        private boolean await(long nanos) throws InterruptedException, TimeoutException {
            long deadline = System.nanoTime() + Math.min(nanos, Long.MAX_VALUE / 4);
            lock.lock();
            try {
                while (true) {
                    if (job.failure != null) {
                        throw rethrow(job.failure);
                    }
                    if (job.ordered) {
                        if (current != null && offset < current.length) {
                            return true;
                        }
                        Object next = job.byChunk.get(chunk);
                        if (next != null) {
                            return true;
                        }
                        if (job.exhausted && chunk >= job.chunksCreated) {
                            return false;
                        }
                    } else {
                        if (!job.unordered.isEmpty()) {
                            return true;
                        }
                        if (job.exhausted && job.chunksResolved == job.chunksCreated) {
                            return false;
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new TimeoutException("imap: no result within the timeout");
                    }
                    job.arrived.awaitNanos(left);
                }
            } finally {
                lock.unlock();
            }
        }

        @SuppressWarnings("unchecked")
        private R take() {
            lock.lock();
            try {
                if (!job.ordered) {
                    Object o = job.unordered.poll();
                    if (o instanceof Failure) {
                        throw rethrow(((Failure) o).cause);
                    }
                    return (R) o;
                }
                if (current == null || offset >= current.length) {
                    Object next = job.byChunk.remove(chunk++);
                    offset = 0;
                    if (next instanceof Failure) {
                        current = null;
                        throw rethrow(((Failure) next).cause);
                    }
                    current = (Object[]) next;
                }
                Object value = current[offset];
                current[offset++] = null;
                return (R) value;
            } finally {
                lock.unlock();
            }
        }
    }

    /** A task's throwable as a synchronous call rethrows it: unchecked as it is, checked wrapped. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        throw new CompletionException(t);
    }
}
