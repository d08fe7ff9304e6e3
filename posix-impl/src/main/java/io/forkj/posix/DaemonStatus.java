package io.forkj.posix;

import java.nio.file.Path;

/**
 * What a pid file says about its daemon, as {@link Daemon#status(Path)} verified it (the counterpart of
 * {@code start-stop-daemon --status} or {@code systemctl is-active}).
 *
 * @param state   the verdict
 * @param pid     the pid written in the file, 0 when there is none
 * @param pidFile the file examined
 * @param detail  why the verdict was reached, in words, for users and logs
 */
public record DaemonStatus(State state, int pid, Path pidFile, String detail) {

    /** The verdicts. */
    public enum State {
        /** The file names a live process that holds the file open and locked, and started before it was written. */
        RUNNING,
        /** There is no pid file. */
        NOT_RUNNING,
        /**
         * A provably stale forkj pid file: exactly a pid and a newline, nobody holds its lock, and that pid is not
         * a live process started before the file was written. Its daemon is gone; the file may be removed.
         */
        STALE,
        /**
         * Neither provably running nor provably stale, so never signalled and never removed: a locked file that
         * does not name a process that verifiably holds it (the daemon is still starting and has not written its
         * pid, or the file was tampered with), or an unlocked file that is not a forkj pid file (empty, text,
         * a pid with more after it) or whose pid is a live process that started before the file was written.
         */
        UNVERIFIED
    }

    /** True for {@link State#RUNNING}. */
    public boolean running() {
        return state == State.RUNNING;
    }
}
