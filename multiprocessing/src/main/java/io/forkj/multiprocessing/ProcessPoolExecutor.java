package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.pool.PoolCore;
import io.forkj.multiprocessing.internal.pool.Serial;
import io.forkj.multiprocessing.internal.pool.MpLauncher;
import io.forkj.multiprocessing.internal.pool.WorkerLauncher;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link ExecutorService} whose tasks run in worker processes: Python's
 * {@code concurrent.futures.ProcessPoolExecutor}. It is a plain {@code ExecutorService}, so code written against
 * that interface runs unchanged here, and can later move to any other implementation (a distributed one).
 *
 * <pre>{@code
 * try (ProcessPoolExecutor pool = new ProcessPoolExecutor(4)) {        // with ProcessPoolExecutor(4) as pool:
 *     CompletableFuture<Integer> f = pool.submit((SerializableCallable<Integer>) () -> task(3)); // pool.submit(task, 3)
 *     f.whenComplete((r, e) -> System.out.println(r));                //     f.add_done_callback(done)
 *     f.get();                                                        //     f.result()
 *     pool.map(x -> x * 2, List.of(1, 2, 3)).forEachRemaining(...);    //     pool.map(double, [1, 2, 3])
 * }                                                                   // shutdown(wait=True)
 * }</pre>
 *
 * <p>Tasks must be {@link Serializable} (a {@link SerializableCallable}, {@link SerializableRunnable}, or any class
 * implementing both {@code Callable}/{@code Runnable} and {@code Serializable}); any other is refused at submit with a
 * {@link RejectedExecutionException} naming its class. Futures are {@link CompletableFuture}s: done-callbacks
 * ({@code add_done_callback}) are {@code whenComplete} and run in this process. Cancelling a future removes its
 * task if no worker has started it; a running task cannot be interrupted (as in CPython).
 *
 * <p>A worker that dies (SIGKILL, OOM killer) fails only the task it was running, with a
 * {@link WorkerDiedException} naming its pid and exit code; the executor starts a new worker and keeps going.
 * CPython instead marks the whole executor broken ({@code BrokenProcessPool}) and fails every later task.
 */
public final class ProcessPoolExecutor implements ExecutorService, AutoCloseable {
    private static final long TERMINATE_GRACE_MILLIS = 2_000;

    private final PoolCore core;

    /** Python's {@code ProcessPoolExecutor()}: one worker per CPU. */
    public ProcessPoolExecutor() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** Python's {@code ProcessPoolExecutor(max_workers)}. */
    public ProcessPoolExecutor(int maxWorkers) {
        this(maxWorkers, null, 0);
    }

    /**
     * Python's {@code ProcessPoolExecutor(max_workers, initializer=..., max_tasks_per_child=...)}.
     *
     * @param initializer      run once by every worker before its first task, or null
     * @param maxTasksPerChild tasks a worker runs before a fresh one replaces it; 0 for no limit
     */
    public ProcessPoolExecutor(int maxWorkers, SerializableRunnable initializer, int maxTasksPerChild) {
        this(maxWorkers, initializer, maxTasksPerChild, Multiprocessing.getStartMethod());
    }

    /**
     * Python's {@code ProcessPoolExecutor(max_workers, mp_context=get_context(method), ...)}; see
     * {@link Pool#Pool(int, SerializableRunnable, int, StartMethod)} for what FORK workers may do.
     */
    public ProcessPoolExecutor(int maxWorkers, SerializableRunnable initializer, int maxTasksPerChild,
                               StartMethod method) {
        this(maxWorkers, initializer, maxTasksPerChild, new MpLauncher(Objects.requireNonNull(method, "method")));
    }

    ProcessPoolExecutor(int maxWorkers, SerializableRunnable initializer, int maxTasksPerChild, WorkerLauncher launcher) {
        byte[] init = initializer == null ? new byte[0] : Serial.checkedTask(initializer, "the initializer");
        this.core = new PoolCore(launcher, maxWorkers, init, maxTasksPerChild);
    }

    /** The pids of the worker processes alive now. */
    public List<Integer> workerPids() {
        return core.workerPids();
    }

    /**
     * Python's {@code executor.submit(fn, *args)} with the arguments captured: the task runs in a worker.
     *
     * @throws RejectedExecutionException if the task is not serializable (naming its class) or the executor is
     *                                    shut down
     */
    @Override
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        byte[] bytes;
        try {
            bytes = Serial.checkedTask(task, "the task");
        } catch (IllegalArgumentException e) {
            throw new RejectedExecutionException(e.getMessage(), e);
        }
        try {
            @SuppressWarnings("unchecked")
            CompletableFuture<T> f = (CompletableFuture<T>) (CompletableFuture<?>) core.submitCall(bytes,
                    "task " + task.getClass().getName(), task);
            return f;
        } catch (IllegalStateException e) {
            throw new RejectedExecutionException(e.getMessage(), e);
        }
    }

    /** Runs a serializable {@code Runnable} in a worker; the future completes with {@code result}. */
    @Override
    public <T> CompletableFuture<T> submit(Runnable task, T result) {
        Objects.requireNonNull(task, "task");
        if (!(task instanceof Serializable)) {
            throw new RejectedExecutionException("the task of " + task.getClass().getName() + " is not Serializable:"
                    + " a task crosses into a worker process (use SerializableRunnable)");
        }
        if (result != null && !(result instanceof Serializable)) {
            throw new RejectedExecutionException("the result of " + result.getClass().getName() + " is not Serializable");
        }
        return submit(new RunnableCall<>(task, result));
    }

    /** Runs a serializable {@code Runnable} in a worker; the future completes with null. */
    @Override
    public CompletableFuture<?> submit(Runnable task) {
        return submit(task, null);
    }

    /** Runs a serializable {@code Runnable} in a worker; its failure is visible only on the worker's stderr. */
    @Override
    public void execute(Runnable command) {
        submit(command).whenComplete((v, e) -> {
            if (e != null && !(e instanceof CancellationException)) {
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        });
    }

    /**
     * Python's {@code executor.map(fn, iterable)}: results in item order, as they arrive (chunksize 1, as in
     * CPython).
     */
    public <T, R> Iterator<R> map(SerializableFunction<T, R> function, Iterable<? extends T> items) {
        return map(function, items, 1);
    }

    /** Python's {@code executor.map(fn, iterable, chunksize=n)}. */
    public <T, R> Iterator<R> map(SerializableFunction<T, R> function, Iterable<? extends T> items, int chunksize) {
        byte[] fn = Serial.checkedTask(function, "the function");
        try {
            return core.submitIter(io.forkj.multiprocessing.internal.pool.PoolWorker.MAP_KIND, fn,
                    Objects.requireNonNull(items, "items").iterator(), chunksize, true,
                    "map task of " + function.getClass().getName());
        } catch (IllegalStateException e) {
            throw new RejectedExecutionException(e.getMessage(), e);
        }
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        List<Future<T>> futures = submitAll(tasks);
        for (Future<T> f : futures) {
            try {
                f.get();
            } catch (ExecutionException | CancellationException e) {
                // reported by the future
            }
        }
        return futures;
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Future<T>> futures = submitAll(tasks);
        for (Future<T> f : futures) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0) {
                    break;
                }
                f.get(left, TimeUnit.NANOSECONDS);
            } catch (ExecutionException | CancellationException e) {
                // reported by the future
            } catch (TimeoutException e) {
                break;
            }
        }
        for (Future<T> f : futures) {
            f.cancel(false);
        }
        return futures;
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(tasks, Long.MAX_VALUE / 4, TimeUnit.NANOSECONDS);
        } catch (TimeoutException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        List<Future<T>> futures = submitAll(tasks);
        CompletableFuture<T> first = new CompletableFuture<>();
        int[] failures = {0};
        for (Future<T> f : futures) {
            ((CompletableFuture<T>) f).whenComplete((v, e) -> {
                if (e == null) {
                    first.complete(v);
                } else {
                    synchronized (failures) {
                        if (++failures[0] == futures.size()) {
                            first.completeExceptionally(e);
                        }
                    }
                }
            });
        }
        try {
            return first.get(timeout, unit);
        } finally {
            for (Future<T> f : futures) {
                f.cancel(false);
            }
        }
    }

    private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> tasks) {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        try {
            for (Callable<T> t : tasks) {
                futures.add(submit(t));
            }
        } catch (RuntimeException e) {
            for (Future<T> f : futures) {
                f.cancel(false);
            }
            throw e;
        }
        return futures;
    }

    /** Python's {@code shutdown(wait=False)}: no new tasks; workers exit once the submitted ones are done. */
    @Override
    public void shutdown() {
        core.close();
    }

    /**
     * Python's {@code shutdown(cancel_futures=True)} and more: tasks not started are cancelled and returned, running
     * ones fail with {@link CancellationException} as their workers are stopped (SIGTERM, then SIGKILL after 2 s).
     * Returns once every worker has been reaped.
     */
    @Override
    public List<Runnable> shutdownNow() {
        List<Runnable> never = new ArrayList<>();
        for (Object o : core.terminate(TERMINATE_GRACE_MILLIS)) {
            if (o instanceof RunnableCall) {
                never.add(((RunnableCall<?>) o).task);
            } else if (o instanceof Callable) {
                Callable<?> c = (Callable<?>) o;
                never.add(new NotStarted(c));
            }
        }
        return never;
    }

    @Override
    public boolean isShutdown() {
        return core.state() != PoolCore.State.RUNNING;
    }

    @Override
    public boolean isTerminated() {
        return core.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return core.awaitTermination(timeout, unit);
    }

    /**
     * Python's {@code shutdown(wait=True)} and JDK 19's {@code ExecutorService.close()}: shuts down and waits for
     * every task and worker; if interrupted while waiting, stops everything with {@link #shutdownNow()}.
     */
    @Override
    public void close() {
        shutdown();
        core.awaitTerminationUninterruptibly(this::shutdownNow);
    }

    /** A serializable Runnable as a Callable. */
    private static final class RunnableCall<T> implements Callable<T>, Serializable {
        private static final long serialVersionUID = 1L;
        // serial: the caller's task and result, refused at submit when they cannot be serialized
        @SuppressWarnings("serial")
        private final Runnable task;
        @SuppressWarnings("serial")
        private final T result;

        RunnableCall(Runnable task, T result) {
            this.task = task;
            this.result = result;
        }

        @Override
        public T call() {
            task.run();
            return result;
        }
    }

    /** A callable returned by shutdownNow, runnable here if the caller wants to. */
    private static final class NotStarted implements Runnable {
        private final Callable<?> task;

        NotStarted(Callable<?> task) {
            this.task = task;
        }

        @Override
        public void run() {
            try {
                task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }

        @Override
        public String toString() {
            return "not started: " + task;
        }
    }
}
