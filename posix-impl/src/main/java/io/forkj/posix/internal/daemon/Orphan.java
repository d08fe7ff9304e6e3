package io.forkj.posix.internal.daemon;

import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.DaemonException;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.ForkStallException;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.PollFds;
import jnr.ffi.Pointer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.forkj.posix.internal.daemon.DaemonChild.CHILD;

/**
 * {@link io.forkj.posix.Daemon#orphanGrandchild(Runnable)} as a thin use of {@link Fork#run}: the guarded fork
 * makes the child (so a child that stalls before its body is replaced, and a running {@code Reaper} knows it as
 * forkj's), the child's body forks the grandchild and exits at once, and this process reaps the child. The
 * grandchild reports its pid through an {@code O_CLOEXEC} pipe before it runs the body, so this process learns
 * it without a race and knows the body is about to start.
 *
 * <p>The grandchild is forked by a process that has only one thread, so it inherits no lock another thread
 * held: the only stalls are the child's own, which {@link Fork#run} handles.
 */
public final class Orphan {
    /** The child exits right after its fork; the grandchild writes its pid first thing. */
    private static final Duration REPORT_DEADLINE = Duration.ofSeconds(30);
    private static final byte[] THREW = "forkj: orphanGrandchild body threw; exit status 70\n".getBytes(StandardCharsets.US_ASCII);
    /** The child's exit status when its {@code fork(2)} failed: {@code EX_OSERR}. */
    private static final int FORK_FAILED = 71;
    private static final ForkOptions MIDDLE = ForkOptions.defaults().resetSignals(Signal.SIGHUP, Signal.SIGINT, Signal.SIGTERM);

    static {
        // Run once here every call the grandchild makes, with arguments that fail harmlessly.
        byte[] scratch = new byte[ReadinessPipe.PID_LENGTH];
        CHILD.write(-1, scratch, ReadinessPipe.encodePid(scratch, CHILD.getpid()));
        CHILD.close(-1);
    }

    private Orphan() {
    }

    /** See {@link io.forkj.posix.Daemon#orphanGrandchild(Runnable)}. */
    public static int start(Runnable body) {
        int[] pipe = {-1, -1};
        if (Native.libc().pipe2(pipe, LinuxLibC.Flags.O_CLOEXEC) != 0) {
            throw new PosixException("pipe2(O_CLOEXEC)", Native.errno());
        }
        try {
            int reportFd = pipe[1];
            byte[] message = new byte[ReadinessPipe.PID_LENGTH];
            Child middle = Fork.run(MIDDLE, ctx -> {
                int pid = CHILD.fork();
                if (pid == 0) {
                    grandchild(body, reportFd, message);
                }
                ctx.exit(pid < 0 ? FORK_FAILED : 0);
            });
            Native.posix().close(pipe[1]);
            pipe[1] = -1;
            WaitStatus status;
            try {
                status = middle.waitFor();
            } catch (ForkStallException stall) {
                throw new DaemonException("orphanGrandchild: the forked child stalled in its body; killed it", stall);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DaemonException("orphanGrandchild: interrupted while waiting for the child " + middle.pid());
            }
            if (!status.equals(new WaitStatus.Exited(middle.pid(), 0))) {
                throw new DaemonException("orphanGrandchild: the child could not fork the grandchild: " + status
                        + (status.equals(new WaitStatus.Exited(middle.pid(), FORK_FAILED)) ? " (fork(2) failed)" : ""));
            }
            return readPid(pipe[0]);
        } finally {
            for (int fd : pipe) {
                if (fd >= 0) {
                    Native.posix().close(fd);
                }
            }
        }
    }

    /** The grandchild: reports its pid, runs the body, exits (the child already reset the JVM's signals). */
    private static void grandchild(Runnable body, int reportFd, byte[] message) {
        CHILD.write(reportFd, message, ReadinessPipe.encodePid(message, CHILD.getpid()));
        CHILD.close(reportFd);
        int status = 0;
        try {
            body.run();
        } catch (Throwable t) {
            CHILD.write(2, THREW, THREW.length);
            status = 70;
        }
        DaemonChild.exit(status);
    }

    /**
     * The grandchild's pid. The child exited 0, so the grandchild exists and holds the pipe's last write end
     * until it has written its pid.
     */
    private static int readPid(int readFd) {
        long deadline = System.nanoTime() + REPORT_DEADLINE.toNanos();
        Pointer pollFd = PollFds.one(readFd, PollFds.POLLIN);
        byte[] chunk = new byte[ReadinessPipe.PID_LENGTH];
        ReadinessPipe.Records records = new ReadinessPipe.Records();
        for (int length = 0; length < ReadinessPipe.PID_LENGTH; ) {
            if (System.nanoTime() - deadline > 0) {
                throw new DaemonException("orphanGrandchild: the grandchild did not report its pid within " + REPORT_DEADLINE);
            }
            if (Native.libc().poll(pollFd, 1, 20) > 0) {
                long n = Native.libc().read(readFd, chunk, ReadinessPipe.PID_LENGTH - length);
                if (n <= 0) {
                    throw new DaemonException("orphanGrandchild: the grandchild ended before it reported its pid"
                            + (n < 0 ? " (read: errno " + Native.errno() + ")" : ""));
                }
                records.append(chunk, (int) n);
                length += (int) n;
            }
        }
        return records.pid;
    }
}
