package io.forkj.posix.internal;

import io.forkj.posix.internal.children.KnownChildren;
import io.forkj.posix.internal.fork.SharedHeap;
import io.forkj.posix.internal.libc.Arguments;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;

import io.forkj.Errno;
import io.forkj.Posix;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.WaitOption;
import io.forkj.WaitStatus;
import jnr.posix.POSIX;

/** {@link Posix} over jnr-posix and {@link LinuxLibC}. Registered with ServiceLoader. */
public final class NativePosix implements Posix {
    private final POSIX posix = Native.posix();
    private final LinuxLibC libc = Native.libc();

    /** Used by ServiceLoader. */
    public NativePosix() {
        // Load and initialize, here in the parent, every class these methods use: a raw child calling _exit or
        // fork would otherwise load Arguments or KnownChildren itself, and class loading in a forked JVM child
        // can block for ever on the system dictionary lock (seen with gdb in ReaperIT, 4 runs in 4).
        KnownChildren.size();
        Arguments.exitStatus(0);
        WaitOption.waitpidFlags(WaitOption.WNOHANG);
        WaitStatus.decode(1, 0).toExitCode();
        new PosixException("fork()", Errno.EAGAIN.number()).getMessage();
    }

    @Override
    public int fork() {
        SharedHeap.refuseFork("fork()");
        int pid = -1;
        KnownChildren.forkStarting();
        try {
            pid = posix.fork();
            if (pid < 0) {
                throw new PosixException("fork()", Native.errno());
            }
            if (pid > 0) {
                KnownChildren.forked(pid);
            }
        } finally {
            // The child calls nothing on its way out: a call the parent makes once per fork can be the one that
            // crosses a JIT counter's threshold in the child, which then asks for a compilation and blocks for ever
            // on the compile queue's lock if a compiler thread held it at the fork (gdb, docs/DESIGN.md). Its copy
            // of the window stays open, as a guarded child's does: a forked child records no children.
            if (pid != 0) {
                KnownChildren.forkRecorded();
            }
        }
        return pid;
    }

    @Override
    public int getpid() {
        return posix.getpid();
    }

    @Override
    public int getppid() {
        return posix.getppid();
    }

    @Override
    public void _exit(int status) {
        Arguments.exitStatus(status);
        libc._exit(status);
    }

    @Override
    public WaitStatus waitpid(int pid, WaitOption... options) {
        Arguments.singlePid("waitpid", pid, "waitAny(...) or waitProcessGroup(pgid, ...)");
        return rawWaitpid(pid, options);
    }

    @Override
    public WaitStatus waitAny(WaitOption... options) {
        return rawWaitpid(-1, options);
    }

    @Override
    public WaitStatus waitProcessGroup(int pgid, WaitOption... options) {
        if (pgid <= 0) {
            throw new IllegalArgumentException("process group " + pgid + " is not a process group id (must be > 0)");
        }
        return rawWaitpid(-pgid, options);
    }

    private WaitStatus rawWaitpid(int pid, WaitOption... options) {
        int flags = WaitOption.waitpidFlags(options);
        int[] status = new int[1];
        while (true) {
            int result = posix.waitpid(pid, status, flags);
            if (result >= 0) {
                return forgetIfTerminated(WaitStatus.decode(result, status[0]));
            }
            int errno = Native.errno();
            if (errno != Errno.EINTR.number()) {
                throw new PosixException("waitpid(" + pid + ", " + flags + ")", errno);
            }
        }
    }

    private static WaitStatus forgetIfTerminated(WaitStatus status) {
        if (status.isTerminated()) {
            KnownChildren.reaped(status.pid());
        }
        return status;
    }

    @Override
    public void kill(int pid, Signal signal) {
        Arguments.singlePid("kill", pid, "killProcessGroup(pgid, signal)");
        rawKill(pid, signal.number(), signal.name());
    }

    @Override
    public void killProcessGroup(int pgid, Signal signal) {
        if (pgid <= 1) {
            throw new IllegalArgumentException("killProcessGroup(" + pgid + ", " + signal + "): process group must be > 1"
                    + (pgid == 1 ? " (kill(-1) would signal every process this user may signal)"
                    : pgid == 0 ? " (0 would mean the caller's own group; pass getpgid(0) explicitly)" : ""));
        }
        rawKill(-pgid, signal.number(), signal.name());
    }

    @Override
    public boolean exists(int pid) {
        Arguments.singlePid("exists", pid, "a process group check with getpgid");
        if (posix.kill(pid, 0) == 0) {
            return true;
        }
        int errno = Native.errno();
        if (errno == Errno.EPERM.number()) {
            return true;
        }
        if (errno == Errno.ESRCH.number()) {
            return false;
        }
        throw new PosixException("kill(" + pid + ", 0)", errno);
    }

    private void rawKill(int target, int signal, String name) {
        if (posix.kill(target, signal) != 0) {
            throw new PosixException("kill(" + target + ", " + name + ")", Native.errno());
        }
    }

    @Override
    public int setsid() {
        int sid = posix.setsid();
        if (sid < 0) {
            throw new PosixException("setsid()", Native.errno());
        }
        return sid;
    }

    @Override
    public void setpgid(int pid, int pgid) {
        if (pid < 0 || pgid < 0) {
            throw new IllegalArgumentException("setpgid(" + pid + ", " + pgid + "): pid and pgid must be >= 0 (0 means the caller)");
        }
        if (posix.setpgid(pid, pgid) != 0) {
            throw new PosixException("setpgid(" + pid + ", " + pgid + ")", Native.errno());
        }
    }

    @Override
    public int getpgid(int pid) {
        Arguments.pidOrSelf("getpgid", pid);
        int pgid = posix.getpgid(pid);
        if (pgid < 0) {
            throw new PosixException("getpgid(" + pid + ")", Native.errno());
        }
        return pgid;
    }

    @Override
    public int getsid(int pid) {
        Arguments.pidOrSelf("getsid", pid);
        int sid = libc.getsid(pid);
        if (sid < 0) {
            throw new PosixException("getsid(" + pid + ")", Native.errno());
        }
        return sid;
    }
}
