package io.forkj.posix;

/**
 * What a forked child may safely use, handed to {@link ChildBody#run(ChildContext)}.
 *
 * <p>Output goes straight to {@code write(2)} on fd 1 or 2, encoded to UTF-8 into a buffer allocated before
 * the fork: no Java lock (another thread may have held {@code System.out}'s lock when the fork happened, and
 * that thread does not exist in the child) and almost no allocation. Use it only inside the child.
 */
public interface ChildContext {
    /**
     * Writes {@code text} to fd 1 with {@code write(2)}, UTF-8 encoded, unbuffered: C's
     * {@code write(1, ...)}, Python's {@code os.write(1, text.encode())}. Nothing is appended.
     */
    void out(String text);

    /** Like {@link #out(String)} for fd 2 ({@code os.write(2, ...)}). */
    void err(String text);

    /**
     * Writes the decimal digits of {@code number} to fd 1, allocating nothing: a pid printed by a child with
     * {@code Integer.toString} runs JDK code the parent may not have compiled, and a compilation request in a
     * forked child can stall it. forkj compiles this path in the parent before the first fork.
     */
    void out(long number);

    /** {@code getpid(2)}: the child's pid (Python's {@code os.getpid()}). */
    int getpid();

    /** {@code getppid(2)}: the parent's pid, or the adopter's after the parent died (Python's {@code os.getppid()}). */
    int getppid();

    /**
     * {@code _exit(2)} with {@code status}: ends the child now, with no shutdown hook and no stream flush
     * (Python's {@code os._exit}). Never returns.
     *
     * @throws IllegalArgumentException if {@code status} is outside 0..255; the child then exits 70
     */
    void exit(int status);
}
