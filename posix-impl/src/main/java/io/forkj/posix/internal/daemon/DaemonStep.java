package io.forkj.posix.internal.daemon;

import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.posix.DaemonSpec;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The steps a daemon's child can fail at, in the order they run. The child writes {@link #number} in a
 * {@linkplain ReadinessPipe failure record}; the launcher turns it back into the C call that failed, with its
 * arguments ({@link #describe}).
 *
 * <p>The children reach a step only through its static field (never {@code values()}, which allocates, nor a
 * {@code switch}, which loads a synthetic class), and read only {@link #number}: the class is initialized and
 * every field reference resolved in the launcher's rehearsal, before the first fork.
 */
enum DaemonStep {
    CLOSE_FDS(1, "close_range") {
        @Override
        String arguments(Failure failure) {
            return "3, ~0U, 0";
        }

        @Override
        String detail(Failure failure) {
            return failure.errno() == Errno.ENOSYS.number() ? "close_range needs Linux 5.9 or later" : null;
        }
    },
    SETSID(2, "setsid"),
    FORK(3, "fork") {
        @Override
        String call(Failure failure) {
            return "fork() (second)";
        }
    },
    OPEN_STDIN(4, "open") {
        @Override
        String arguments(Failure failure) {
            return "/dev/null, O_RDWR";
        }
    },
    OPEN_OUTPUT(5, "open") {
        @Override
        String arguments(Failure failure) {
            return failure.output() + ", O_WRONLY|O_APPEND|O_CREAT, 0644";
        }
    },
    DUP2(6, "dup2") {
        @Override
        String arguments(Failure failure) {
            return ".., 0..2";
        }
    },
    CHDIR(7, "chdir") {
        @Override
        String arguments(Failure failure) {
            return failure.directory();
        }
    },
    WRITE_PID(8, "write") {
        @Override
        String arguments(Failure failure) {
            return failure.pidFile().map(Path::toString).orElse("pid file");
        }
    },
    SETGROUPS(9, "setgroups") {
        @Override
        String arguments(Failure failure) {
            return "1, [" + failure.spec().gid() + "]";
        }
    },
    SETGID(10, "setgid") {
        @Override
        String arguments(Failure failure) {
            return Integer.toString(failure.spec().gid());
        }
    },
    SETUID(11, "setuid") {
        @Override
        String arguments(Failure failure) {
            return Integer.toString(failure.spec().uid());
        }
    },
    SIGMASK(12, "sigprocmask") {
        @Override
        String arguments(Failure failure) {
            return "SIG_SETMASK, {}";
        }
    },
    EXECVE(13, "execve") {
        @Override
        String arguments(Failure failure) {
            return failure.program();
        }

        @Override
        String detail(Failure failure) {
            return failure.program().indexOf('/') < 0 ? "not found in the daemon's PATH="
                    + failure.spec().daemonEnvironment(System.getenv()).getOrDefault("PATH", "(unset)") : null;
        }
    };

    /** What the failure record carries: distinct, and within a byte. */
    final byte number;
    /** The C function the step calls, which the failure text names. */
    final String function;

    DaemonStep(int number, String function) {
        this.number = (byte) number;
        this.function = function;
    }

    /** A failure record, with what the launcher knows of the start it belongs to. */
    record Failure(int step, int errno, DaemonSpec spec, String program, String output, String directory,
                   Optional<Path> pidFile) {
    }

    /** The C call of this step, with the arguments the failed start used. */
    String call(Failure failure) {
        return function + "(" + arguments(failure) + ")";
    }

    /** The arguments of {@link #call}. */
    String arguments(Failure failure) {
        return "";
    }

    /** What to add to the errno's meaning, or null. */
    String detail(Failure failure) {
        return null;
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
        String call = step.map(s -> s.call(failure)).orElse("step " + failure.step());
        return new PosixException(call, failure.errno(), step.map(s -> s.detail(failure)).orElse(null));
    }
}
