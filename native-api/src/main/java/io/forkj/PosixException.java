package io.forkj;

import java.util.Optional;

/**
 * A libc call failed. Carries the call (as it was made, with its arguments), the errno value and its
 * symbolic name, like Python's {@code OSError} with {@code errno} and {@code strerror}.
 *
 * <p>Example message: {@code waitpid(4242, 0): ECHILD (No child processes)}.
 */
public class PosixException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * @param call  the failing call with its arguments, e.g. {@code "kill(4242, SIGTERM)"}
     * @param errno the value of C's {@code errno} right after the call
     */
    public PosixException(String call, int errno) {
        this(call, errno, null);
    }

    /**
     * @param call   the failing call with its arguments
     * @param errno  the value of C's {@code errno} right after the call
     * @param detail extra explanation appended to the message, or {@code null}
     */
    public PosixException(String call, int errno, String detail) {
        super(call + ": " + Errno.nameOf(errno) + " ("
                + Errno.of(errno).map(Errno::description).orElse("unknown error") + ")"
                + (detail == null ? "" : "; " + detail));
        this.call = call;
        this.errno = errno;
    }

    /** The failing call with its arguments, e.g. {@code "waitpid(4242, 0)"}. */
    public String call() {
        return call;
    }

    /** The numeric errno (C's {@code errno}, Python's {@code OSError.errno}). */
    public int errno() {
        return errno;
    }

    /** The symbolic errno, when Linux defines the value. */
    public Optional<Errno> error() {
        return Errno.of(errno);
    }

    /** The symbolic errno name, e.g. {@code "ECHILD"}; {@code "errno N"} for an unknown value. */
    public String errnoName() {
        return Errno.nameOf(errno);
    }
}
