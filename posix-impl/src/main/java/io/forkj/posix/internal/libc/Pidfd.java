package io.forkj.posix.internal.libc;

import io.forkj.Errno;
import io.forkj.PosixException;
import jnr.ffi.Pointer;

/**
 * Process file descriptors (Linux 5.3): a wait with a timeout that wakes when the child exits, and a signal
 * that can only reach the process the descriptor was opened for, never a later owner of a recycled pid.
 */
public final class Pidfd {
    private static final int EINTR = 4;
    /** Returned by {@link #open} when the kernel has no pidfd_open (before 5.3). */
    public static final int UNSUPPORTED = -Errno.ENOSYS.number();
    /** Returned by {@link #open} when no process has the pid. */
    public static final int NO_PROCESS = -Errno.ESRCH.number();

    private Pidfd() {
    }

    /**
     * {@code pidfd_open(pid, 0)}: a close-on-exec fd that refers to this very process (not to whatever later
     * gets its pid), readable once it has exited. Returns the fd, or {@link #UNSUPPORTED} / {@link #NO_PROCESS}
     * (both negative).
     *
     * @throws PosixException for any other errno (EMFILE, ...)
     */
    public static int open(int pid) {
        long fd = Native.libc().syscall(LinuxLibC.Sys.PIDFD_OPEN, pid, 0, 0, 0);
        if (fd >= 0) {
            return (int) fd;
        }
        int errno = Native.errno();
        if (errno == Errno.ENOSYS.number() || errno == Errno.ESRCH.number()) {
            return -errno;
        }
        throw new PosixException("pidfd_open(" + pid + ", 0)", errno);
    }

    /**
     * {@code poll(2)} for the process's exit (the pidfd turns readable when it becomes a zombie), at most
     * {@code millis}; retries EINTR with the full slice, which callers bound anyway.
     *
     * @return true if the process has exited
     */
    public static boolean awaitExit(int pidfd, int millis) {
        Pointer pollfd = PollFds.thisThreads(pidfd, PollFds.POLLIN);
        while (true) {
            int ready = Native.libc().poll(pollfd, 1, millis);
            if (ready >= 0) {
                return ready > 0;
            }
            if (Native.errno() != EINTR) {
                return false;
            }
        }
    }

    /** {@code pidfd_send_signal(pidfd, sig, NULL, 0)}: 0, or the errno. */
    public static int sendSignal(int pidfd, int signal) {
        return Native.libc().syscall(LinuxLibC.Sys.PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0) == 0 ? 0 : Native.errno();
    }

    /** Closes a pidfd; a negative value (no pidfd) is ignored. */
    public static void close(int pidfd) {
        if (pidfd >= 0) {
            Native.posix().close(pidfd);
        }
    }
}
