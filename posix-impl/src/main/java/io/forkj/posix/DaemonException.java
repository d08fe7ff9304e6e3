package io.forkj.posix;

/**
 * A daemon could not be started or stopped: the message is the daemon's own account when it came from the
 * daemon (for example {@code execve(/no/such): ENOENT (No such file or directory)}), or names the pid file and
 * the process that holds it. A failing libc call is the {@linkplain #getCause() cause} when there is one.
 */
public class DaemonException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, with the values involved */
    public DaemonException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause   the failing call
     */
    public DaemonException(String message, Throwable cause) {
        super(message, cause);
    }
}
