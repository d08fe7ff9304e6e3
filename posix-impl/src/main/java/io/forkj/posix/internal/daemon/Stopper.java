package io.forkj.posix.internal.daemon;

import io.forkj.Errno;
import io.forkj.Posix;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.posix.DaemonException;
import io.forkj.posix.DaemonStatus;
import jnr.posix.FileStat;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@link io.forkj.posix.Daemon#stop(Path, Duration)}: signals only a verified daemon, waits for its lock to go
 * (the kernel drops it when the daemon's last fd on the file closes, at exit, before any reaping), and then
 * removes the file itself, so a command that knows nothing of pid files leaves none behind.
 */
public final class Stopper {
    private Stopper() {
    }

    /** See {@link io.forkj.posix.Daemon#stop(Path, Duration)}. */
    public static boolean stop(Path pidFile, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        DaemonStatus status = PidFile.status(pidFile);
        switch (status.state()) {
            case NOT_RUNNING:
                return false;
            case STALE:
                PidFile.removeIfStill(pidFile, status.pid());
                return false;
            case UNVERIFIED:
                throw new DaemonException("not signalling or removing anything: " + status.detail());
            default:
                break;
        }
        FileStat file = PidFile.identity(pidFile);
        if (file == null) {
            return false; // removed since the status was taken: its daemon is gone
        }
        try {
            Posix.get().kill(status.pid(), Signal.SIGTERM);
        } catch (PosixException e) {
            if (e.errno() != Errno.ESRCH.number()) {
                throw e;
            }
        }
        while (PidFile.stillLocked(file)) {
            if (System.nanoTime() - end > 0) {
                throw new DaemonException("daemon pid " + status.pid() + " still holds " + pidFile + " " + deadline
                        + " after SIGTERM; it is left running (send SIGKILL to force it)");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DaemonException("interrupted while waiting for daemon pid " + status.pid() + " to exit");
            }
        }
        PidFile.removeIfStill(pidFile, status.pid()); // the file of the daemon verified above, if unchanged
        return true;
    }
}
