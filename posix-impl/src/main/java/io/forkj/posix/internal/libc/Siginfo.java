package io.forkj.posix.internal.libc;

import io.forkj.posix.internal.children.ExitWatchLoop;

import io.forkj.Signal;
import io.forkj.WaitStatus;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The {@code siginfo_t} that {@code waitid(2)} fills, as plain offsets into native memory (glibc's LP64 layout:
 * {@code si_signo} 0, {@code si_errno} 4, {@code si_code} 8, {@code si_pid} 16, {@code si_uid} 20,
 * {@code si_status} 24; 128 bytes), with {@code waitid}'s id types and options. Here rather than in the
 * signals module because exit notification ({@link ExitWatchLoop}) reaps with {@code waitid(P_PIDFD)}.
 */
public final class Siginfo {
    /** {@code sizeof(siginfo_t)}. */
    public static final int SIZE = 128;
    /** {@code waitid} id type: one pid. */
    public static final int P_PID = 1;
    /** {@code waitid} id type: a pidfd, Linux 5.4. */
    public static final int P_PIDFD = 3;
    /** {@code waitid} option: do not block. */
    public static final int WNOHANG = 1;
    /** {@code waitid} option: wait for exited children. */
    public static final int WEXITED = 4;
    /** {@code waitid} option: leave the child waitable. */
    public static final int WNOWAIT = 0x01000000;

    private static final int CLD_EXITED = 1;
    private static final int CLD_KILLED = 2;
    private static final int CLD_DUMPED = 3;
    private static final int CLD_TRAPPED = 4;
    private static final int CLD_STOPPED = 5;
    private static final int CLD_CONTINUED = 6;

    private Siginfo() {
    }

    /** A zeroed {@code siginfo_t}. */
    public static Pointer allocate() {
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), SIZE);
        clear(p);
        return p;
    }

    /** Clears a {@code siginfo_t} before {@code waitid(WNOHANG)}, so {@code si_pid == 0} means "no change". */
    public static void clear(Pointer siginfo) {
        siginfo.setMemory(0, SIZE, (byte) 0);
    }

    /**
     * The wait status {@code waitid} stored for a child: {@code si_code} says how it changed and
     * {@code si_status} holds the exit code or the signal.
     */
    public static WaitStatus waitStatus(Pointer siginfo) {
        int pid = siginfo.getInt(16);
        if (pid == 0) {
            return WaitStatus.NoChange.INSTANCE;
        }
        int code = siginfo.getInt(8);
        int status = siginfo.getInt(24);
        switch (code) {
            case CLD_EXITED:
                return new WaitStatus.Exited(pid, status & 0xff);
            case CLD_KILLED:
                return new WaitStatus.Signaled(pid, Signal.of(status), false);
            case CLD_DUMPED:
                return new WaitStatus.Signaled(pid, Signal.of(status), true);
            case CLD_TRAPPED:
            case CLD_STOPPED:
                return new WaitStatus.Stopped(pid, Signal.of(status));
            case CLD_CONTINUED:
                return new WaitStatus.Continued(pid);
            default:
                throw new IllegalStateException("waitid reported si_code " + code + " for pid " + pid
                        + ", which is no CLD_* code");
        }
    }
}
