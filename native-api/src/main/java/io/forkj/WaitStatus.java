package io.forkj;

/**
 * What {@code waitpid(2)} reported about a child, decoded: Rust nix's {@code WaitStatus}, Python's
 * {@code os.waitpid} status plus the {@code os.W*} macros.
 *
 * <p>{@link #decode(int, int)} turns a raw status into one of the five cases. The static macros reproduce
 * glibc's {@code <bits/waitstatus.h>} bit for bit, for code that holds a raw status:
 * <pre>
 *   bits 0..6   termination signal (0 = exited, 0x7f = stopped)
 *   bit  7      core dumped
 *   bits 8..15  exit code, or the stop signal
 *   0xffff      continued
 * </pre>
 */
public sealed interface WaitStatus
        permits WaitStatus.Exited, WaitStatus.Signaled, WaitStatus.Stopped, WaitStatus.Continued, WaitStatus.NoChange {

    /** The child the status is about; 0 for {@link NoChange}, as {@code waitpid(2)} returns 0 then. */
    int pid();

    /**
     * The exit code in the sense of Python's {@code os.waitstatus_to_exitcode}: the code for an exited child,
     * minus the signal number for a killed one ({@code -15} for {@code SIGTERM}).
     *
     * @throws IllegalStateException for a stopped or continued child, or no change: it has not terminated
     */
    int toExitCode();

    /** True if the child has terminated ({@link Exited} or {@link Signaled}) and has been reaped. */
    default boolean isTerminated() {
        return this instanceof Exited || this instanceof Signaled;
    }

    /**
     * The child called {@code _exit(code)} or returned from {@code main}. C: {@code WIFEXITED}, {@code WEXITSTATUS}.
     *
     * @param pid  the child
     * @param code the exit code, 0..255
     */
    record Exited(int pid, int code) implements WaitStatus {
        /** Validates the code range. */
        public Exited {
            if (code < 0 || code > 255) {
                throw new IllegalArgumentException("exit code " + code + " is outside 0..255");
            }
        }

        @Override
        public int toExitCode() {
            return code;
        }
    }

    /**
     * The child was killed by a signal. C: {@code WIFSIGNALED}, {@code WTERMSIG}, {@code WCOREDUMP}.
     *
     * @param pid        the child
     * @param signal     the signal that killed it
     * @param coreDumped whether the kernel wrote a core dump (needs a non-zero {@code RLIMIT_CORE})
     */
    record Signaled(int pid, Signal signal, boolean coreDumped) implements WaitStatus {
        @Override
        public int toExitCode() {
            return -signal.number();
        }
    }

    /**
     * The child was stopped by a signal (reported with {@link WaitOption#WUNTRACED}). C: {@code WIFSTOPPED},
     * {@code WSTOPSIG}.
     *
     * @param pid    the child
     * @param signal the signal that stopped it
     */
    record Stopped(int pid, Signal signal) implements WaitStatus {
        @Override
        public int toExitCode() {
            throw new IllegalStateException("pid " + pid + " is stopped by " + signal + ", not terminated: it has no exit code");
        }
    }

    /**
     * A stopped child was resumed by {@code SIGCONT} (reported with {@link WaitOption#WCONTINUED}).
     * C: {@code WIFCONTINUED}.
     *
     * @param pid the child
     */
    record Continued(int pid) implements WaitStatus {
        @Override
        public int toExitCode() {
            throw new IllegalStateException("pid " + pid + " was continued, not terminated: it has no exit code");
        }
    }

    /**
     * {@link WaitOption#WNOHANG} was given and no child had changed state: {@code waitpid} returned 0.
     * nix's {@code StillAlive}.
     */
    record NoChange() implements WaitStatus {
        /** The one instance. */
        public static final NoChange INSTANCE = new NoChange();

        @Override
        public int pid() {
            return 0;
        }

        @Override
        public int toExitCode() {
            throw new IllegalStateException("no child changed state (WNOHANG): there is no exit code");
        }
    }

    /**
     * Decodes a raw status as {@code waitpid(2)} stored it.
     *
     * @param pid the pid {@code waitpid} returned; 0 means {@link NoChange}
     * @param raw the {@code int} status
     * @throws IllegalArgumentException if {@code raw} matches none of the layouts above
     */
    static WaitStatus decode(int pid, int raw) {
        if (pid == 0) {
            return NoChange.INSTANCE;
        }
        if (WIFEXITED(raw)) {
            return new Exited(pid, WEXITSTATUS(raw));
        }
        if (WIFSIGNALED(raw)) {
            return new Signaled(pid, Signal.of(WTERMSIG(raw)), WCOREDUMP(raw));
        }
        if (WIFSTOPPED(raw)) {
            return new Stopped(pid, Signal.of(WSTOPSIG(raw)));
        }
        if (WIFCONTINUED(raw)) {
            return new Continued(pid);
        }
        throw new IllegalArgumentException(String.format("raw wait status 0x%x of pid %d matches no glibc layout", raw, pid));
    }

    /** glibc {@code WEXITSTATUS}: bits 8..15. */
    static int WEXITSTATUS(int status) {
        return (status & 0xff00) >> 8;
    }

    /** glibc {@code WTERMSIG}: bits 0..6. */
    static int WTERMSIG(int status) {
        return status & 0x7f;
    }

    /** glibc {@code WSTOPSIG}: bits 8..15, like {@link #WEXITSTATUS}. */
    static int WSTOPSIG(int status) {
        return WEXITSTATUS(status);
    }

    /** glibc {@code WIFEXITED}: no termination signal. */
    static boolean WIFEXITED(int status) {
        return WTERMSIG(status) == 0;
    }

    /** glibc {@code WIFSIGNALED}: {@code ((signed char) ((status & 0x7f) + 1) >> 1) > 0}. */
    static boolean WIFSIGNALED(int status) {
        return ((byte) ((status & 0x7f) + 1) >> 1) > 0;
    }

    /** glibc {@code WIFSTOPPED}: low byte {@code 0x7f}. */
    static boolean WIFSTOPPED(int status) {
        return (status & 0xff) == 0x7f;
    }

    /** glibc {@code WIFCONTINUED}: status {@code 0xffff}. */
    static boolean WIFCONTINUED(int status) {
        return status == 0xffff;
    }

    /** glibc {@code WCOREDUMP}: bit 7. */
    static boolean WCOREDUMP(int status) {
        return (status & 0x80) != 0;
    }

    /**
     * Python's {@code os.waitstatus_to_exitcode} on a raw status.
     *
     * @throws IllegalArgumentException if the status is neither exited nor signaled, as Python raises ValueError
     */
    static int waitstatusToExitcode(int status) {
        if (WIFEXITED(status)) {
            return WEXITSTATUS(status);
        }
        if (WIFSIGNALED(status)) {
            return -WTERMSIG(status);
        }
        throw new IllegalArgumentException(String.format("invalid wait status: 0x%x is neither exited nor signaled", status));
    }
}
