package io.forkj.multiprocessing;

import java.util.Objects;

/**
 * The factory for multiprocessing objects bound to one start method: Python's {@code multiprocessing.get_context(method)}.
 * {@link Multiprocessing#getContext(StartMethod)} returns one per start method.
 *
 * <pre>{@code
 * Context fork = Multiprocessing.getContext(StartMethod.FORK);
 * MpProcess p = fork.process(() -> System.out.println("forked"));
 * }</pre>
 */
public final class Context {
    private final StartMethod method;

    Context(StartMethod method) {
        this.method = Objects.requireNonNull(method, "method");
    }

    /** The start method of everything this context makes: Python's {@code ctx.get_start_method()}. */
    public StartMethod startMethod() {
        return method;
    }

    /** A process that runs {@code target} with this context's start method: Python's {@code ctx.Process(target=f)}. */
    public MpProcess process(Target target) {
        return new MpProcess(target).startMethod(method);
    }

    /** A named process that runs {@code target}: {@code ctx.Process(target=f, name=name)}. */
    public MpProcess process(Target target, String name) {
        return new MpProcess(target, Objects.requireNonNull(name, "name")).startMethod(method);
    }

    /** Python's {@code ctx.Pool(processes)}: a pool whose workers start with this context's method. */
    public Pool pool(int processes) {
        return new Pool(processes, null, 0, method);
    }

    /** Python's {@code ctx.Pool(processes, initializer, maxtasksperchild)}. */
    public Pool pool(int processes, SerializableRunnable initializer, int maxTasksPerChild) {
        return new Pool(processes, initializer, maxTasksPerChild, method);
    }

    /** Python's {@code ProcessPoolExecutor(max_workers, mp_context=ctx)}. */
    public ProcessPoolExecutor executor(int maxWorkers) {
        return new ProcessPoolExecutor(maxWorkers, null, 0, method);
    }

    /** Python's {@code ctx.Queue(maxsize)}: the queue works with every start method. */
    public <E> Queue<E> queue(int maxsize) {
        return new Queue<>(maxsize);
    }

    /** Python's {@code ctx.JoinableQueue(maxsize)}. */
    public <E> JoinableQueue<E> joinableQueue(int maxsize) {
        return new JoinableQueue<>(maxsize);
    }

    /** Python's {@code ctx.SimpleQueue()}. */
    public <E> SimpleQueue<E> simpleQueue() {
        return new SimpleQueue<>();
    }

    /** Python's {@code ctx.Manager()}: the server is a fresh JVM whatever the context (CPython forks or spawns it). */
    public Manager manager() {
        return new Manager();
    }

    @Override
    public String toString() {
        return "Context[" + method + "]";
    }
}
