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

    @Override
    public String toString() {
        return "Context[" + method + "]";
    }
}
