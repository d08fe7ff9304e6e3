package io.forkj.posix;

/**
 * Java code to run in a forked child: the body of Python's {@code if os.fork() == 0:} branch.
 *
 * <p>The body runs in a copy of the JVM that has only the forking thread: no GC, no JIT, no signal
 * dispatcher. Keep it short, allocate little (see {@link Fork#allocationBudget()}), write through
 * {@link ChildContext} rather than {@code System.out}, and run only code the parent has run before (a class
 * loaded or a lambda or string concatenation bootstrapped for the first time in the child can block forever).
 * A body that blocks is ended by the deadline.
 * Returning means exit code 0; throwing means exit code 70 with the message on fd 2.
 */
@FunctionalInterface
public interface ChildBody {
    /**
     * Runs in the child.
     *
     * @param ctx the child's allocation-free view of its process: output, ids, {@code _exit}
     * @throws Exception anything; the child then exits 70 after writing the throwable's class and message to fd 2
     */
    void run(ChildContext ctx) throws Exception;
}
