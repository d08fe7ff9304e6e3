package io.forkj.posix;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A daemon that {@link Daemon#start(DaemonSpec)} saw become ready: its {@code execve} succeeded.
 *
 * @param pid     the daemon's pid (the grandchild of the launcher, in its own session, not a session leader)
 * @param pidFile the pid file it holds locked, if the spec named one
 */
public record DaemonHandle(int pid, Optional<Path> pidFile) {
    /** Validates the pid. */
    public DaemonHandle {
        if (pid <= 0) {
            throw new IllegalArgumentException("daemon pid " + pid + " must be > 0");
        }
    }
}
