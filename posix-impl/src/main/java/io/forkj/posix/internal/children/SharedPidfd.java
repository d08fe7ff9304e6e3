package io.forkj.posix.internal.children;

import io.forkj.posix.internal.libc.Pidfd;

/**
 * The one pidfd of one child, shared by everyone who sleeps on it or signals through it (the child's handle, the
 * exit watcher's epoll interest list) and closed after the last of them let go: a pidfd number is never closed
 * while a {@code poll(2)}, an interest list or {@code pidfd_send_signal} may still use it, so a number the kernel
 * has handed to an unrelated file meanwhile is never polled, listed or signalled.
 *
 * <p>Protocol: {@link #acquire()} before each use (it answers -1 once the fd is retired, or if there never was
 * one), {@link #release()} after it; {@link #retire()} once the child is reaped, after which no new user gets
 * the fd and the last {@link #release()} (or {@code retire()} itself, when nobody holds it) closes it.
 */
public final class SharedPidfd {
    private final int pid;
    private int fd;
    private int users;
    private boolean retired;

    private SharedPidfd(int pid, int fd) {
        this.pid = pid;
        this.fd = fd;
    }

    /**
     * {@code pidfd_open(pid)}: the holder of a new pidfd, or of none (every {@link #acquire()} answers -1) when the
     * kernel has no pidfds or no process has the pid.
     */
    public static SharedPidfd open(int pid) {
        int fd = Pidfd.open(pid);
        return new SharedPidfd(pid, fd < 0 ? -1 : fd);
    }

    /** The pid it was opened for. */
    public int pid() {
        return pid;
    }

    /** The fd, counted as one more user until {@link #release()}; -1 (nothing to release) once retired. */
    public synchronized int acquire() {
        if (retired || fd < 0) {
            return -1;
        }
        users++;
        return fd;
    }

    /** Ends one {@link #acquire()} that returned an fd; closes the fd if it was the last use of a retired one. */
    public synchronized void release() {
        if (users <= 0) {
            throw new IllegalStateException("release() of the pidfd of " + pid + " without acquire()");
        }
        if (--users == 0 && retired) {
            closeNow();
        }
    }

    /** The child is reaped: no new users; the fd is closed now, or by the last user's {@link #release()}. */
    public synchronized void retire() {
        retired = true;
        if (users == 0) {
            closeNow();
        }
    }

    /** Whether the fd is still open (a holder in use or not yet retired); for tests and diagnostics. */
    public synchronized boolean isOpen() {
        return fd >= 0;
    }

    private void closeNow() {
        if (fd >= 0) {
            Pidfd.close(fd);
            fd = -1;
        }
    }

    @Override
    public synchronized String toString() {
        return "SharedPidfd[pid=" + pid + ", fd=" + fd + ", users=" + users + (retired ? ", retired" : "") + "]";
    }
}
