package io.forkj.multiprocessing;

import java.io.Serializable;
import java.util.Objects;

/**
 * The function a process runs: Python's {@code Process(target=f, args=(...))}. Its arguments are what the
 * lambda captures, or explicit ones given with {@link #of(With1, Object)} and {@link #of(With2, Object, Object)}.
 *
 * <p>It is {@link Serializable} because a SPAWN or standby child receives it serialized, as CPython pickles
 * the target and its arguments: everything it captures must be serializable too (or a forkj resource, whose fds
 * travel with it). A FORK child gets it by copy-on-write and needs none of that, but the same target then
 * works under every start method.
 *
 * <pre>{@code
 * int n = 5;
 * new MpProcess(() -> System.out.println("n = " + n)).start();          // captured
 * new MpProcess(Target.of(Demo::greet, "world")).start();               // explicit, like args=("world",)
 * }</pre>
 */
@FunctionalInterface
public interface Target extends Serializable {
    /**
     * Runs in the child process. Returning gives exit code 0; throwing prints the stack trace on the child's
     * stderr and gives exit code 1; {@code throw new SystemExit(n)} (or {@code System.exit(n)} outside FORK
     * children) gives {@code n}.
     */
    void run() throws Exception;

    /** A function of one argument, for {@link #of(With1, Object)}. */
    @FunctionalInterface
    interface With1<A> extends Serializable {
        /** Runs with the argument. */
        void run(A a) throws Exception;
    }

    /** A function of two arguments, for {@link #of(With2, Object, Object)}. */
    @FunctionalInterface
    interface With2<A, B> extends Serializable {
        /** Runs with the arguments. */
        void run(A a, B b) throws Exception;
    }

    /** {@code fn} applied to {@code a}: Python's {@code Process(target=fn, args=(a,))}. */
    static <A> Target of(With1<A> fn, A a) {
        Objects.requireNonNull(fn, "fn");
        return () -> fn.run(a);
    }

    /** {@code fn} applied to {@code a} and {@code b}: Python's {@code Process(target=fn, args=(a, b))}. */
    static <A, B> Target of(With2<A, B> fn, A a, B b) {
        Objects.requireNonNull(fn, "fn");
        return () -> fn.run(a, b);
    }
}
