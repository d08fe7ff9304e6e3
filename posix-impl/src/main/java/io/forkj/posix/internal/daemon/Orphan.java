package io.forkj.posix.internal.daemon;

import java.util.stream.Collectors;
import io.forkj.posix.internal.proc.StatLine;
import io.forkj.posix.internal.proc.ProcStat;
import io.forkj.posix.internal.PollFds;
import io.forkj.posix.internal.QuietCompiler;
import io.forkj.Errno;
import io.forkj.Posix;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.posix.DaemonException;
import io.forkj.posix.internal.LinuxLibC;
import io.forkj.posix.internal.KnownChildren;
import io.forkj.posix.internal.Native;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.forkj.posix.internal.daemon.Launcher.CHILD;

/**
 * {@link io.forkj.posix.Daemon#orphanGrandchild(Runnable)}: fork, the child forks the grandchild and exits at
 * once, the launcher reaps the child, and the orphaned grandchild, adopted by init or the nearest subreaper,
 * runs the body and {@code _exit}s. The grandchild reports its pid through an {@code O_CLOEXEC} pipe first, so
 * the launcher learns it without a race and knows the body is about to start.
 */
public final class Orphan {
    private static final long STALL_NANOS = java.time.Duration.ofSeconds(2).toNanos();
    private static final int[] JVM_HANDLED = {Signal.SIGHUP.number(), Signal.SIGINT.number(), Signal.SIGTERM.number()};
    private static final long KERNEL_SIGSET_BYTES = 8;
    /** A zeroed kernel {@code struct sigaction} ({@code SIG_DFL}); the children use its bare address. */
    private static final Pointer DEFAULT_ACTION_MEMORY = Memory.allocateDirect(Runtime.getSystemRuntime(), 64, true);
    private static final long DEFAULT_ACTION = DEFAULT_ACTION_MEMORY.address();
    private static final byte[] THREW = "forkj: orphanGrandchild body threw; exit status 70\n".getBytes(StandardCharsets.US_ASCII);

    static {
        // Run once here every call the children make, with arguments that fail harmlessly.
        byte[] scratch = new byte[5];
        Launcher.putInt(scratch, 1, CHILD.getpid());
        CHILD.write(-1, scratch, 0);
        CHILD.close(-1);
        CHILD.syscall(LinuxLibC.Sys.RT_SIGACTION, 0, DEFAULT_ACTION, 0, KERNEL_SIGSET_BYTES);
    }

    private Orphan() {
    }

    /** See {@link io.forkj.posix.Daemon#orphanGrandchild(Runnable)}. */
    public static int start(Runnable body) {
        int[] pipe = {-1, -1};
        if (Native.libc().pipe2(pipe, OpenFlags.O_CLOEXEC.intValue()) != 0) {
            throw new PosixException("pipe2(O_CLOEXEC)", Native.errno());
        }
        byte[] message = new byte[5];
        try {
            System.out.flush();
            System.err.flush();
            QuietCompiler.await(Launcher.QUIET_WAIT_NANOS);
            int middle = -1;
            for (int level = 0; middle < 0; level++) {
                int pid = CHILD.fork();
                if (pid > 0) {
                    if (level == 0) {
                        middle = pid;
                        continue;
                    }
                    Launcher.exit(0);
                }
                if (pid < 0) {
                    if (level == 0) {
                        throw new PosixException("fork()", Native.errno());
                    }
                    Launcher.exit(71); // EX_OSERR: the launcher sees EOF without a pid
                }
                if (level == 1) {
                    grandchild(body, pipe[1], message);
                }
            }
            // Forked raw, past NativePosix: register it, or a running Reaper takes it for an adopted orphan.
            KnownChildren.forked(middle);
            Native.posix().close(pipe[1]);
            pipe[1] = -1;
            return awaitPid(pipe[0], middle, message);
        } finally {
            for (int fd : pipe) {
                if (fd >= 0) {
                    Native.posix().close(fd);
                }
            }
        }
    }

    /** The grandchild: reports its pid, restores the signals the JVM handles, runs the body, exits. */
    private static void grandchild(Runnable body, int readyFd, byte[] message) {
        message[0] = 'P';
        Launcher.putInt(message, 1, CHILD.getpid());
        CHILD.write(readyFd, message, 5);
        CHILD.close(readyFd);
        for (int signal : JVM_HANDLED) {
            CHILD.syscall(LinuxLibC.Sys.RT_SIGACTION, signal, DEFAULT_ACTION, 0, KERNEL_SIGSET_BYTES);
        }
        int status = 0;
        try {
            body.run();
        } catch (Throwable t) {
            CHILD.write(2, THREW, THREW.length);
            status = 70;
        }
        Launcher.exit(status);
    }

    /** Reads the grandchild's pid, reaps the child; a stall kills both (found by parent pid) and throws. */
    private static int awaitPid(int readFd, int middle, byte[] message) {
        long stall = System.nanoTime() + STALL_NANOS;
        Pointer pollFd = PollFds.one(readFd, PollFds.POLLIN);
        int length = 0;
        byte[] chunk = new byte[5];
        while (length < 5) {
            if (System.nanoTime() - stall > 0) {
                List<Integer> children = childrenOf(middle);
                kill(middle);
                children.forEach(Orphan::kill);
                Launcher.reapIfOurs(middle);
                children.forEach(Launcher::reapIfOurs);
                throw new DaemonException("orphanGrandchild: the forked JVM child stalled before the body started"
                        + " (a JVM lock held by another thread at fork time); killed it");
            }
            if (Native.libc().poll(pollFd, 1, 20) > 0) {
                long n = Native.libc().read(readFd, chunk, 5 - length);
                if (n <= 0) {
                    Launcher.reapIfOurs(middle);
                    throw new DaemonException("orphanGrandchild: the child ended without forking the grandchild"
                            + (n < 0 ? " (read: errno " + Native.errno() + ")" : ""));
                }
                System.arraycopy(chunk, 0, message, length, (int) n);
                length += (int) n;
            }
        }
        Launcher.reapIfOurs(middle);
        return Launcher.getInt(message, 1);
    }

    private static void kill(int pid) {
        try {
            Posix.get().kill(pid, Signal.SIGKILL);
        } catch (PosixException gone) {
            if (gone.errno() != Errno.ESRCH.number()) {
                throw gone;
            }
        }
    }

    /** Processes whose parent is {@code ppid}, from /proc. */
    private static List<Integer> childrenOf(int ppid) {
        return ProcStat.all().stream().filter(stat -> stat.ppid() == ppid).map(StatLine::pid).collect(Collectors.toList());
    }
}
