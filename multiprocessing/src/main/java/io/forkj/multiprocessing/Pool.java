package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.pool.PoolCore;
import io.forkj.multiprocessing.internal.pool.PoolSupport;
import io.forkj.multiprocessing.internal.pool.PoolWorker;
import io.forkj.multiprocessing.internal.pool.Serial;
import io.forkj.multiprocessing.internal.pool.MpLauncher;
import io.forkj.multiprocessing.internal.pool.WorkerLauncher;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * A pool of worker processes: Python's {@code multiprocessing.Pool}. Workers are reused processes started with
 * the default start method (SPAWN: fresh JVMs) or the one given ({@link StartMethod#STANDBY}, {@link StartMethod#FORK});
 * they are daemon processes, so they end with this one. Tasks and their results cross as serialized objects, so task functions are
 * {@link SerializableFunction}s, {@link SerializableCallable}s or {@link SerializableBiFunction}s, and one that
 * cannot be serialized is refused when it is submitted, naming its class.
 *
 * <pre>{@code
 * try (Pool pool = new Pool(4)) {                                   // with Pool(4) as pool:
 *     CompletableFuture<String> r = pool.applyAsync(() -> work(1));  //     r = pool.apply_async(work, (1,))
 *     List<Integer> squares = pool.map(x -> x * x, List.of(1, 2, 3)); //     pool.map(square, [1, 2, 3])
 *     for (int s : iterable(pool.imap(x -> x * x, range))) { ... }    //     for s in pool.imap(square, range): ...
 * }                                                                 // close() + join()
 * }</pre>
 *
 * <p>Where forkj differs from CPython, on purpose:
 * <ul>
 *   <li>A worker that dies while running a task (SIGKILL, the OOM killer, {@code System.exit}) fails that task
 *   with a {@link WorkerDiedException} naming its pid and exit code; a new worker replaces it and the pool goes on.
 *   CPython's pool hangs for ever there (cpython issue 96062).</li>
 *   <li>{@link #close()} waits: it is Python's {@code close()} followed by {@code join()}, so that
 *   try-with-resources leaves no process behind. (Python's {@code with Pool()} calls {@code terminate()} instead;
 *   call {@link #terminate()} for that.)</li>
 *   <li>{@code imap} takes items from its source only as workers need them (at most 64 chunks per worker ahead),
 *   so the source may be lazy or endless.</li>
 *   <li>A failed initializer breaks the pool: every task fails with its exception (CPython starts new workers
 *   that fail again, for ever).</li>
 * </ul>
 *
 * <p>Each worker is sent a few chunks ahead of time (one when few wait, up to 64 when thousands do); a long task
 * can therefore delay chunks queued behind it on the same worker, as CPython's shared task queue would not.
 */
public final class Pool implements AutoCloseable {
    private static final long TERMINATE_GRACE_MILLIS = 2_000;

    private final PoolCore core;

    /** Python's {@code Pool()}: one worker per CPU ({@code os.cpu_count()}). */
    public Pool() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** Python's {@code Pool(processes)}. */
    public Pool(int processes) {
        this(processes, null, 0);
    }

    /**
     * Python's {@code Pool(processes, initializer, maxtasksperchild=...)}.
     *
     * @param initializer      run once by every worker before its first task (null for none); capture the
     *                         {@code initargs} in the lambda
     * @param maxTasksPerChild tasks (chunks) a worker runs before a fresh one replaces it; 0 for no limit
     * @throws IllegalArgumentException if {@code processes < 1}, {@code maxTasksPerChild < 0}, or the initializer
     *                                  cannot be serialized
     */
    public Pool(int processes, SerializableRunnable initializer, int maxTasksPerChild) {
        this(processes, initializer, maxTasksPerChild, Multiprocessing.getStartMethod());
    }

    /**
     * Python's {@code get_context(method).Pool(processes, initializer, maxtasksperchild)}: workers started with
     * {@code method}. SPAWN (the default) and STANDBY workers are whole JVMs and suit any task. FORK workers are
     * forked copies of this JVM with no garbage collector: they suit short tasks that allocate little. A FORK worker
     * lives as long as the pool; one that stalls (blocked for ever on a VM lock or a collection it cannot run, as
     * {@code /proc} proves within about 40 ms) is killed and a new worker takes over. If the stall came before the
     * task's own code began (while its function or arguments were deserialized, which can define classes in the
     * child), the task runs again on another worker, up to 3 times; otherwise it fails with
     * {@link WorkerDiedException}. Either way a task's code runs at most once. Use {@code maxTasksPerChild} to keep each FORK worker
     * within its allocation budget.
     */
    public Pool(int processes, SerializableRunnable initializer, int maxTasksPerChild, StartMethod method) {
        this(processes, initializer, maxTasksPerChild, new MpLauncher(Objects.requireNonNull(method, "method")));
    }

    Pool(int processes, SerializableRunnable initializer, int maxTasksPerChild, WorkerLauncher launcher) {
        byte[] init = initializer == null ? new byte[0] : Serial.checkedTask(initializer, "the initializer");
        this.core = new PoolCore(launcher, processes, init, maxTasksPerChild);
    }

    /** The number of worker processes the pool keeps. */
    public int processes() {
        return core.size();
    }

    /**
     * The pids of the worker processes alive now (CPython: {@code [p.pid for p in pool._pool]}); changes as
     * workers are replaced.
     */
    public List<Integer> workerPids() {
        return core.workerPids();
    }

    // ---- apply

    /**
     * Python's {@code pool.apply(func, args)}: runs {@code task} in a worker and waits for its result.
     *
     * @throws WorkerDiedException if the worker died running it; any exception the task threw is rethrown as it
     *                             is (a checked one in a {@link java.util.concurrent.CompletionException})
     * @throws CompletionException with an {@link InterruptedException} as its cause if the calling thread is
     *                             interrupted while it waits (the interrupt status is kept; the task still runs).
     *                             The same holds for every blocking call of this class.
     */
    public <R> R apply(SerializableCallable<R> task) {
        return await(applyAsync(task));
    }

    /** Python's {@code pool.apply(func, (arg,))}. */
    public <T, R> R apply(SerializableFunction<T, R> function, T arg) {
        return await(applyAsync(function, arg));
    }

    /**
     * Python's {@code pool.apply_async(func, args)}: the future completes with the task's result, or exceptionally
     * with what it threw, {@link WorkerDiedException} if its worker died, {@link ResultEncodingException} if the
     * result cannot be serialized, or {@link java.util.concurrent.CancellationException} on {@link #terminate()}.
     * {@code cancel} on it removes the task if no worker has started it.
     *
     * @throws IllegalArgumentException if the task cannot be serialized (naming its class)
     * @throws IllegalStateException    after close or terminate (CPython: "Pool not running")
     */
    public <R> CompletableFuture<R> applyAsync(SerializableCallable<R> task) {
        byte[] bytes = Serial.checkedTask(task, "the task");
        @SuppressWarnings("unchecked")
        CompletableFuture<R> f = (CompletableFuture<R>) (CompletableFuture<?>) core.submitCall(bytes,
                "applyAsync task " + task.getClass().getName(), task);
        return f;
    }

    /** Python's {@code pool.apply_async(func, (arg,))}. */
    public <T, R> CompletableFuture<R> applyAsync(SerializableFunction<T, R> function, T arg) {
        Serial.checkedTask(function, "the function");
        return applyAsync(new Applied<>(function, arg));
    }

    /**
     * Python's {@code pool.apply_async(func, args, callback=..., error_callback=...)}: the callbacks run in this
     * process, on the pool's result thread, as in CPython; keep them short.
     */
    public <R> CompletableFuture<R> applyAsync(SerializableCallable<R> task, Consumer<? super R> callback,
                                               Consumer<? super Throwable> errorCallback) {
        CompletableFuture<R> f = applyAsync(task);
        f.whenComplete((value, error) -> {
            if (error == null) {
                if (callback != null) {
                    callback.accept(value);
                }
            } else if (errorCallback != null) {
                errorCallback.accept(error);
            }
        });
        return f;
    }

    // ---- map

    /**
     * Python's {@code pool.map(func, iterable)}: results in item order, with CPython's default chunksize
     * ({@code ceil(len / (4 * processes))}).
     */
    public <T, R> List<R> map(SerializableFunction<T, R> function, Iterable<? extends T> items) {
        return await(mapAsync(function, items));
    }

    /** Python's {@code pool.map(func, iterable, chunksize)}. */
    public <T, R> List<R> map(SerializableFunction<T, R> function, Iterable<? extends T> items, int chunksize) {
        return await(mapAsync(function, items, chunksize));
    }

    /** Python's {@code pool.map_async(func, iterable)}: the future fails with the first task exception. */
    public <T, R> CompletableFuture<List<R>> mapAsync(SerializableFunction<T, R> function, Iterable<? extends T> items) {
        List<T> list = toList(items);
        return mapAsync(function, list, PoolSupport.defaultChunksize(list.size(), core.size()));
    }

    /** Python's {@code pool.map_async(func, iterable, chunksize)}. */
    @SuppressWarnings("unchecked")
    public <T, R> CompletableFuture<List<R>> mapAsync(SerializableFunction<T, R> function, Iterable<? extends T> items,
                                                     int chunksize) {
        byte[] fn = Serial.checkedTask(function, "the function");
        CompletableFuture<?> f = core.submitList(PoolWorker.MAP_KIND, fn, toList(items), chunksize,
                "map task of " + function.getClass().getName());
        return (CompletableFuture<List<R>>) f;
    }

    /**
     * Python's {@code pool.starmap(func, [(a, b), ...])}: each item's key and value are the two arguments.
     * Items may be {@code Map.entry(a, b)} or entries of a map ({@code map.entrySet()}).
     */
    public <A, B, R> List<R> starmap(SerializableBiFunction<A, B, R> function,
                                     Iterable<? extends Map.Entry<? extends A, ? extends B>> items) {
        List<Object> pairs = pairs(items);
        return await(starmapPairs(function, pairs, PoolSupport.defaultChunksize(pairs.size(), core.size())));
    }

    /** Python's {@code pool.starmap(func, iterable, chunksize)}. */
    public <A, B, R> List<R> starmap(SerializableBiFunction<A, B, R> function,
                                     Iterable<? extends Map.Entry<? extends A, ? extends B>> items, int chunksize) {
        return await(starmapPairs(function, pairs(items), chunksize));
    }

    /** Python's {@code pool.starmap_async(func, iterable, chunksize)}. */
    public <A, B, R> CompletableFuture<List<R>> starmapAsync(SerializableBiFunction<A, B, R> function,
                                                            Iterable<? extends Map.Entry<? extends A, ? extends B>> items,
                                                            int chunksize) {
        return starmapPairs(function, pairs(items), chunksize);
    }

    @SuppressWarnings("unchecked")
    private <R> CompletableFuture<List<R>> starmapPairs(SerializableBiFunction<?, ?, R> function, List<Object> pairs,
                                                       int chunksize) {
        byte[] fn = Serial.checkedTask(function, "the function");
        CompletableFuture<?> f = core.submitList(PoolWorker.STAR_KIND, fn, pairs, chunksize,
                "starmap task of " + function.getClass().getName());
        return (CompletableFuture<List<R>>) f;
    }

    // ---- imap

    /** Python's {@code pool.imap(func, iterable)} (chunksize 1): results in item order, as they arrive. */
    public <T, R> ImapIterator<R> imap(SerializableFunction<T, R> function, Iterable<? extends T> items) {
        return imap(function, items, 1);
    }

    /** Python's {@code pool.imap(func, iterable, chunksize)}. */
    public <T, R> ImapIterator<R> imap(SerializableFunction<T, R> function, Iterable<? extends T> items, int chunksize) {
        return iter(function, items, chunksize, true);
    }

    /** Python's {@code pool.imap_unordered(func, iterable)}: results in completion order. */
    public <T, R> ImapIterator<R> imapUnordered(SerializableFunction<T, R> function, Iterable<? extends T> items) {
        return imapUnordered(function, items, 1);
    }

    /** Python's {@code pool.imap_unordered(func, iterable, chunksize)}. */
    public <T, R> ImapIterator<R> imapUnordered(SerializableFunction<T, R> function, Iterable<? extends T> items,
                                                int chunksize) {
        return iter(function, items, chunksize, false);
    }

    private <T, R> ImapIterator<R> iter(SerializableFunction<T, R> function, Iterable<? extends T> items, int chunksize,
                                        boolean ordered) {
        byte[] fn = Serial.checkedTask(function, "the function");
        Iterator<? extends T> source = Objects.requireNonNull(items, "items").iterator();
        return core.submitIter(PoolWorker.MAP_KIND, fn, source, chunksize, ordered,
                (ordered ? "imap" : "imapUnordered") + " task of " + function.getClass().getName());
    }

    // ---- lifecycle

    /**
     * Python's {@code pool.close(); pool.join()}: accepts no more tasks, waits until every submitted one is done
     * and every worker has exited. Idempotent; after {@link #terminate()} it returns once the workers are gone.
     * If the waiting thread is interrupted, the pool is {@link #terminate() terminated} (as JDK 19's
     * {@code ExecutorService.close()} does), so a task that never ends cannot make a try-with-resources block hang
     * beyond an interrupt; the interrupt status is kept.
     */
    @Override
    public void close() {
        core.close();
        core.awaitTerminationUninterruptibly(this::terminate);
    }

    /**
     * Python's {@code pool.join()}: waits until every worker has exited, after {@link #close()} or
     * {@link #terminate()}.
     *
     * @throws IllegalStateException if the pool is still running (CPython raises ValueError)
     */
    public void join() {
        if (core.state() == PoolCore.State.RUNNING) {
            throw new IllegalStateException("Pool is still running: call close() or terminate() before join()");
        }
        core.awaitTerminationUninterruptibly(() -> { });
    }

    /**
     * Python's {@code pool.terminate()}: unfinished tasks fail with
     * {@link java.util.concurrent.CancellationException} (in CPython their results never arrive), workers get
     * SIGTERM and, 2 s later, SIGKILL; returns once every worker is reaped.
     */
    public void terminate() {
        core.terminate(TERMINATE_GRACE_MILLIS);
    }

    /**
     * Waits for a blocking call's result. An interrupt ends the wait (as {@code KeyboardInterrupt} ends CPython's):
     * a {@link CompletionException} whose cause is the {@link InterruptedException}, with the interrupt status
     * kept; the task itself is not cancelled.
     */
    private static <V> V await(CompletableFuture<V> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException("interrupted while waiting for the pool's result (the task is not cancelled)", e);
        } catch (ExecutionException e) {
            throw PoolCore.rethrow(e.getCause());
        }
    }

    private static <T> List<T> toList(Iterable<? extends T> items) {
        Objects.requireNonNull(items, "items");
        if (items instanceof Collection) {
            return new ArrayList<>((Collection<? extends T>) items);
        }
        List<T> list = new ArrayList<>();
        items.forEach(list::add);
        return list;
    }

    private static List<Object> pairs(Iterable<?> items) {
        List<Object> out = new ArrayList<>();
        for (Object item : Objects.requireNonNull(items, "items")) {
            out.add(PoolSupport.pair(item));
        }
        return out;
    }

    /** {@code func(arg)} as one serializable call. */
    private static final class Applied<T, R> implements SerializableCallable<R> {
        private static final long serialVersionUID = 1L;
        private final SerializableFunction<T, R> function;
        @SuppressWarnings("serial") // the caller's argument: a task that cannot be serialized is refused at submit
        private final T arg;

        Applied(SerializableFunction<T, R> function, T arg) {
            this.function = function;
            this.arg = arg;
        }

        @Override
        public R call() {
            return function.apply(arg);
        }
    }
}
