package io.forkj.posix.internal.daemon;

import io.forkj.Errno;
import io.forkj.Posix;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.WaitOption;
import io.forkj.WaitStatus;
import io.forkj.posix.DaemonException;
import io.forkj.posix.internal.proc.ProcStat;
import io.forkj.posix.internal.proc.StatLine;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reaping what a daemon start forked, and killing what a stalled or timed-out start left. The daemon's
 * processes are found through ONE scan of the process table for its new session, since a grandchild that
 * stalled before it reported its pid has no other name.
 */
final class StartCleanup {
    private StartCleanup() {
    }

    /** Reaps the first child; it exits right after its fork, so the deadline only guards a stuck fork. */
    static void reapFirstChild(int pid, long deadline) {
        Posix posix = Posix.get();
        while (posix.waitpid(pid, WaitOption.WNOHANG) instanceof WaitStatus.NoChange) {
            if (System.nanoTime() - deadline > 0) {
                killStalled(pid, 0);
                throw new DaemonException("the daemon's first child " + pid + " did not exit; killed");
            }
            sleepBriefly();
        }
    }

    /**
     * A daemon that failed {@code _exit}s at once; if this process is its subreaper it is now our child and is
     * reaped here, so a failed start leaves no zombie. Otherwise init reaps it.
     */
    static void reapIfOurs(int pid) {
        if (pid <= 0) {
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        try {
            while (Posix.get().waitpid(pid, WaitOption.WNOHANG) instanceof WaitStatus.NoChange
                    && System.nanoTime() - deadline < 0) {
                sleepBriefly();
            }
        } catch (PosixException notOurChild) {
            if (notOurChild.errno() != Errno.ECHILD.number()) {
                throw notOurChild;
            }
        }
    }

    /**
     * Kills what a stalled start left: the daemon's process group (the first child's pid, once it called setsid;
     * the group id stays reserved while the unreaped first child or any member exists, so it names no stranger),
     * the first child, and the daemon if it reported its pid; then reaps the first child and every process of
     * the new session that is ours.
     */
    static void killStalled(int middle, int daemon) {
        Posix posix = Posix.get();
        for (Runnable kill : List.<Runnable>of(() -> posix.killProcessGroup(middle, Signal.SIGKILL),
                () -> posix.kill(middle, Signal.SIGKILL), () -> posix.kill(daemon, Signal.SIGKILL))) {
            try {
                kill.run();
            } catch (PosixException | IllegalArgumentException gone) {
                // not there (ESRCH), or no daemon pid was reported (0)
            }
        }
        List<Integer> session = sessionMembers(middle);
        reapIfOurs(middle);
        reapIfOurs(daemon);
        session.forEach(StartCleanup::reapIfOurs);
    }

    /** The processes, zombies included, whose session id is {@code sid}. */
    private static List<Integer> sessionMembers(int sid) {
        return ProcStat.all().stream().filter(stat -> stat.session() == sid).map(StatLine::pid).collect(Collectors.toList());
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DaemonException("interrupted while waiting for the daemon to start");
        }
    }
}
