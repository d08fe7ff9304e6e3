package io.forkj.posix.internal.daemon;

import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.posix.DaemonSpec;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * The steps a daemon's child can fail at, in the order they run. The child writes {@link #number} in a
 * {@linkplain ReadinessPipe failure record}; the launcher turns it back into the C call that failed, with its
 * arguments ({@link #describe}).
 *
 * <p>The children reach a step only through its static field (never {@code values()}, which allocates, nor a
 * {@code switch}, which loads a synthetic class), and read only {@link #number}: the class is initialized (its
 * lambdas bootstrapped) and every field reference resolved in the launcher's rehearsal, before the first fork.
 */
enum DaemonStep {
    CLOSE_FDS(1, "close_range", failure -> "close_range(3, ~0U, 0)",
            failure -> failure.errno() == Errno.ENOSYS.number() ? "close_range needs Linux 5.9 or later" : null),
    SETSID(2, "setsid", failure -> "setsid()"),
    FORK(3, "fork", failure -> "fork() (second)"),
    OPEN_STDIN(4, "open", failure -> "open(/dev/null, O_RDWR)"),
    OPEN_OUTPUT(5, "open", failure -> "open(" + failure.output() + ", O_WRONLY|O_APPEND|O_CREAT, 0644)"),
    DUP2(6, "dup2", failure -> "dup2(.., 0..2)"),
    CHDIR(7, "chdir", failure -> "chdir(" + failure.directory() + ")"),
    WRITE_PID(8, "write", failure -> "write(" + failure.pidFile().map(Path::toString).orElse("pid file") + ")"),
    SETGROUPS(9, "setgroups", failure -> "setgroups(1, [" + failure.spec().gid() + "])"),
    SETGID(10, "setgid", failure -> "setgid(" + failure.spec().gid() + ")"),
    SETUID(11, "setuid", failure -> "setuid(" + failure.spec().uid() + ")"),
    SIGMASK(12, "sigprocmask", failure -> "sigprocmask(SIG_SETMASK, {})"),
    EXECVE(13, "execve", failure -> "execve(" + failure.program() + ")",
            failure -> failure.program().indexOf('/') < 0 ? "not found in the daemon's PATH="
                    + failure.spec().daemonEnvironment(System.getenv()).getOrDefault("PATH", "(unset)") : null);

    /** What the failure record carries: distinct, and within a byte. */
    final byte number;
    /** The C function the step calls, which the failure text names first. */
    final String function;
    /** The call as the failure text shows it, with the arguments the failed start used. */
    private final Function<Failure, String> call;
    /** What to add to the errno's meaning, or null. */
    private final Function<Failure, String> detail;

    DaemonStep(int number, String function, Function<Failure, String> call) {
        this(number, function, call, failure -> null);
    }

    DaemonStep(int number, String function, Function<Failure, String> call, Function<Failure, String> detail) {
        this.number = (byte) number;
        this.function = function;
        this.call = call;
        this.detail = detail;
    }

    /** A failure record, with what the launcher knows of the start it belongs to. */
    record Failure(int step, int errno, DaemonSpec spec, String program, String output, String directory,
                   Optional<Path> pidFile) {
    }

    /** The step with that number, if any. */
    static Optional<DaemonStep> of(int number) {
        for (DaemonStep step : values()) {
            if (step.number == number) {
                return Optional.of(step);
            }
        }
        return Optional.empty();
    }

    /** The exception for a failure record: the step as a C call with its arguments, errno and its meaning. */
    static PosixException describe(Failure failure) {
        Optional<DaemonStep> step = of(failure.step());
        String call = step.map(s -> s.call.apply(failure)).orElse("step " + failure.step());
        return new PosixException(call, failure.errno(), step.map(s -> s.detail.apply(failure)).orElse(null));
    }
}
