package io.forkj.signals.internal;

import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.posix.internal.LinuxLibC;
import io.forkj.posix.internal.Native;

/** {@code pidfd_open(2)} and {@code pidfd_send_signal(2)} through {@code syscall(2)}: glibc added wrappers only in 2.36. */
public final class Pidfd {
    /** Returned by {@link #open} when the kernel has no pidfd_open (before 5.3). */
    public static final int UNSUPPORTED = -Errno.ENOSYS.number();
    /** Returned by {@link #open} when no process has the pid. */
    public static final int NO_PROCESS = -Errno.ESRCH.number();

    private Pidfd() {
    }

    /**
     * {@code pidfd_open(pid, 0)}: a file descriptor that refers to this very process (not to whatever later gets
     * its pid), readable once it has exited. Returns the fd, or {@link #UNSUPPORTED} / {@link #NO_PROCESS}.
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
     * {@code pidfd_send_signal(pidfd, sig, NULL, 0)}; returns 0 or the errno ({@code ESRCH} once the process
     * has died: never someone else's process).
     */
    public static int sendSignal(int pidfd, int signal) {
        long r = Native.libc().syscall(LinuxLibC.Sys.PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0);
        return r == 0 ? 0 : Native.errno();
    }

    /** Closes a pidfd, ignoring errors: the fd is ours and used by no one else. */
    public static void close(int pidfd) {
        if (pidfd >= 0) {
            Native.posix().close(pidfd);
        }
    }
}
