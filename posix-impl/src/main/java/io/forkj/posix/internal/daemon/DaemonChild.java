package io.forkj.posix.internal.daemon;

import io.forkj.posix.internal.fork.StallProbe;

import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The code {@link Launcher} runs in the daemon's two children: forked copies of the JVM with one thread.
 *
 * <p>First child: closes every fd from 3 up but the pipe and the pid file ({@code close_range}), {@code setsid},
 * forks, {@code _exit(0)}. Grandchild (the daemon, in a new session and not its leader, so it can never acquire
 * a controlling terminal): reports its pid, points stdio at {@code /dev/null} or the log, sets the umask,
 * {@code chdir}s, writes its pid into the locked file, drops privileges, resets every signal to {@code SIG_DFL}
 * and empties the signal mask, says it is about to {@code execve}, then {@code execve}s the command with the
 * sanitized environment. A failing step writes a {@linkplain ReadinessPipe failure record} and {@code _exit(1)}s.
 *
 * <p>The children call only native functions the launcher already called, read only memory prepared before the
 * fork, allocate nothing and load no class: the {@linkplain #rehearse rehearsal} in the class initializer runs
 * their code, every {@link DaemonStep} field reference and every {@link ReadinessPipe} encoder included, with a
 * {@linkplain ChildPlan#rehearsal plan} that makes each call fail harmlessly. Signals are reset just before
 * {@code execve} rather than first, because until then the process is still a JVM whose own SIGSEGV/SIGBUS
 * handlers implement null checks and safepoints; the daemon cannot tell the difference, since nothing else runs
 * in between.
 */
final class DaemonChild {
    /** The children's own binding instance: see the "daemon" block of {@link LinuxLibC}. */
    static final LinuxLibC CHILD = LinuxLibC.load();
    private static final int O_RDWR = OpenFlags.O_RDWR.intValue();
    /** The kernel's sigset_t: 64 signals, not glibc's 1024-bit one. */
    private static final long KERNEL_SIGSET_BYTES = 8;
    private static final Pointer STALL_WORD = Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true);
    private static final long FUTEX_WAIT_PRIVATE = 128;

    static {
        rehearse();
    }

    private DaemonChild() {
    }

    /**
     * Does nothing but make sure the class is initialized, so the rehearsal (which loads classes and runs code
     * for the first time) is over well before a fork, not just before it.
     */
    static void rehearsed() {
    }

    /**
     * Forks twice through ONE call site, so the first child's fork is not a first call. Returns the first
     * child's pid (or minus errno) in the launcher; never returns in the children.
     */
    static int forkDaemon(ChildPlan plan) {
        for (int level = 0; ; level++) {
            int pid = CHILD.fork();
            if (pid > 0) {
                if (level == 0) {
                    return pid;
                }
                exit(0);
            }
            if (pid < 0) {
                if (level == 0) {
                    return -Native.errno();
                }
                fail(plan, DaemonStep.FORK);
            }
            if (level == 0) {
                closeInherited(plan);
                if (CHILD.syscall(LinuxLibC.Sys.SETSID, 0, 0, 0, 0) < 0) {
                    fail(plan, DaemonStep.SETSID);
                }
            } else {
                daemon(plan);
                exit(127);
            }
        }
    }

    private static void closeInherited(ChildPlan plan) {
        long[] ranges = plan.closeRanges;
        for (int i = 0; i < ranges.length; i += 2) {
            if (CHILD.syscall(LinuxLibC.Sys.CLOSE_RANGE, ranges[i], ranges[i + 1], 0, 0) != 0) {
                fail(plan, DaemonStep.CLOSE_FDS);
            }
        }
    }

    /** The grandchild: returns only in a rehearsal. */
    private static void daemon(ChildPlan plan) {
        int pid = CHILD.getpid();
        CHILD.write(plan.readyFd, plan.message, ReadinessPipe.encodePid(plan.message, pid));

        int in = CHILD.open(plan.devNull, O_RDWR, 0);
        if (in < 0) {
            fail(plan, DaemonStep.OPEN_STDIN);
        }
        int out = plan.output == plan.devNull ? in : CHILD.open(plan.output, plan.outputFlags, 0644);
        if (out < 0) {
            fail(plan, DaemonStep.OPEN_OUTPUT);
        }
        if (CHILD.dup2(in, 0) < 0 || CHILD.dup2(out, 1) < 0 || CHILD.dup2(out, 2) < 0) {
            fail(plan, DaemonStep.DUP2);
        }
        if (out > 2 && out != in) {
            CHILD.close(out);
        }
        if (in > 2) {
            CHILD.close(in);
        }

        CHILD.umask(plan.umask);
        if (CHILD.chdir(plan.directory) != 0) {
            fail(plan, DaemonStep.CHDIR);
        }
        if (plan.pidFd >= 0 || plan.rehearsal) {
            int length = decimal(pid, plan.pidText);
            if (CHILD.write(plan.pidFd, plan.pidText, length) != length) {
                fail(plan, DaemonStep.WRITE_PID);
            }
        }
        if (plan.stall) {
            stallForEver();
        }
        if (plan.gid >= 0 || plan.rehearsal) {
            if (CHILD.setgroups(plan.groupCount, plan.groups) != 0) {
                fail(plan, DaemonStep.SETGROUPS);
            }
            if (CHILD.setgid(plan.gid) != 0) {
                fail(plan, DaemonStep.SETGID);
            }
        }
        if (plan.uid >= 0 || plan.rehearsal) {
            if (CHILD.setuid(plan.uid) != 0) {
                fail(plan, DaemonStep.SETUID);
            }
        }
        // The raw syscall, because glibc refuses 32 and 33, which may arrive ignored from an ancestor. A zeroed
        // kernel struct sigaction is SIG_DFL with no flags. Only the signals the launcher catches or ignores
        // need it (the rest are SIG_DFL already), which keeps the child's calls few.
        for (int signal : plan.signalsToReset) {
            CHILD.syscall(LinuxLibC.Sys.RT_SIGACTION, signal, plan.defaultAction, 0, KERNEL_SIGSET_BYTES);
        }
        if (CHILD.syscall(LinuxLibC.Sys.RT_SIGPROCMASK, plan.sigmaskHow, plan.emptySigset, 0, KERNEL_SIGSET_BYTES) != 0) {
            fail(plan, DaemonStep.SIGMASK);
        }
        CHILD.write(plan.readyFd, plan.message, ReadinessPipe.encodeExec(plan.message));
        if (plan.stallAtExec) {
            stallForEver();
        }
        CHILD.execve(plan.program, plan.argv, plan.envp);
        fail(plan, DaemonStep.EXECVE);
    }

    /**
     * Fault injection for the stall tests: waits for ever on a private futex, as a JVM copy that caught a lock held
     * at the fork does (what StallProbe recognises).
     */
    private static void stallForEver() {
        while (true) {
            CHILD.syscall(LinuxLibC.Sys.FUTEX, STALL_WORD.address(), FUTEX_WAIT_PRIVATE, 0, 0);
        }
    }

    /** Reports the failed step and errno to the launcher and exits; returns only in a rehearsal. */
    private static void fail(ChildPlan plan, DaemonStep step) {
        int errno = Native.errno();
        CHILD.write(plan.readyFd, plan.message, ReadinessPipe.encodeFailure(plan.message, step, errno));
        if (!plan.rehearsal) {
            exit(1);
        }
    }

    /** {@code _exit}: exit_group through the syscall stub every child has already run. */
    static void exit(int status) {
        CHILD.syscall(LinuxLibC.Sys.EXIT_GROUP, status, 0, 0, 0);
    }

    /** Writes {@code value} (> 0) and a newline into {@code buffer}; returns the length. */
    private static int decimal(int value, byte[] buffer) {
        int digits = 1;
        for (int v = value / 10; v > 0; v /= 10) {
            digits++;
        }
        for (int i = digits - 1, v = value; i >= 0; i--, v /= 10) {
            buffer[i] = (byte) ('0' + v % 10);
        }
        buffer[digits] = '\n';
        return digits + 1;
    }

    /**
     * Runs the children's code once in this process with a plan whose every call fails harmlessly: the
     * grandchild's whole path (each of its steps fails), the first child's {@code close_range}, and the two
     * failures only the first child can meet ({@code setsid}, the second {@code fork}), so every
     * {@link DaemonStep} reference of this class is resolved here.
     */
    private static void rehearse() {
        ChildPlan plan = ChildPlan.rehearsal(Launcher.currentUmask());
        closeInherited(plan);
        daemon(plan);
        fail(plan, DaemonStep.SETSID);
        fail(plan, DaemonStep.FORK);
        CHILD.close(-1);
        CHILD.syscall(LinuxLibC.Sys.GETPID, 0, 0, 0, 0); // links the binding's stub; getpid: allowed under any seccomp filter
    }
}
