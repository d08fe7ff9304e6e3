package io.forkj.posix;

import io.forkj.posix.internal.daemon.Launcher;
import io.forkj.posix.internal.daemon.Orphan;
import io.forkj.posix.internal.daemon.PidFile;
import io.forkj.posix.internal.daemon.Stopper;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Runs a command as a Unix daemon by the double fork, with the steps of systemd's daemon(7) — the Java
 * counterpart of C's {@code daemon(3)} plus a pid file, or of Python's {@code python-daemon}
 * {@code DaemonContext} followed by {@code os.execve}.
 *
 * <p>What {@link #start(DaemonSpec)} does, in daemon(7)'s order:
 * <ol>
 *   <li>closes every fd but 0–2 in the first child ({@code close_range(2)}, Linux 5.9), keeping only the
 *       readiness pipe and the pid file;</li>
 *   <li>resets every signal handler to {@code SIG_DFL} and empties the signal mask — done last, just before
 *       {@code execve}, because until then the child is a JVM whose SIGSEGV handler implements null checks;
 *       nothing runs in between, so the daemon cannot tell the difference;</li>
 *   <li>sanitizes the environment (an allow-list, {@link DaemonSpec#DEFAULT_ALLOW_LIST} by default);</li>
 *   <li>forks, {@code setsid}s, forks again; the first child {@code _exit}s and the launcher reaps it, so the
 *       daemon is not a session leader and can never acquire a controlling terminal;</li>
 *   <li>points stdin at {@code /dev/null} and stdout/stderr at {@code /dev/null} or the log (appended);</li>
 *   <li>sets the umask (022 by default) and {@code chdir}s ({@code /} by default);</li>
 *   <li>writes its pid into the pid file, which the launcher created with
 *       {@code O_CREAT|O_EXCL|O_NOFOLLOW|O_WRONLY}, mode 0644, and locked with {@code flock(LOCK_EX|LOCK_NB)}
 *       before forking: the daemon inherits that open file (no {@code O_CLOEXEC}), so the lock lasts exactly as
 *       long as the daemon. A locked file means a daemon is running and the start fails. An unlocked file is
 *       taken over only when it is empty or a provably stale pid file (see {@link #status(Path)}); any other
 *       file is left untouched and the start fails saying what it holds;</li>
 *   <li>drops privileges if asked ({@code setgroups}, {@code setgid}, {@code setuid});</li>
 *   <li>{@code execve}s the command. The readiness pipe, created before the first fork with {@code O_CLOEXEC},
 *       closes on a successful {@code execve}: the launcher returns when it reads EOF, or throws with the
 *       daemon's own report of which step failed and its errno, or kills the daemon after the ready
 *       timeout;</li>
 *   <li>when {@code NOTIFY_SOCKET} is set (or given in the spec), the launcher, not the daemon, sends
 *       {@code READY=1} and {@code MAINPID=pid} once the daemon is ready: use {@code Type=notify} with
 *       {@code NotifyAccess=all} in the unit, since the datagram comes from the launcher's pid.</li>
 * </ol>
 *
 * <p>The pid file is removed by whoever sees the daemon gone: {@link #stop(Path, Duration)} after the daemon
 * exits, {@link #start(DaemonSpec)} on a failed start, or the next start, which takes over a stale file. The
 * daemon's command need not know about it, and must keep the inherited fd open (most programs do): its lock
 * is what proves the daemon alive.
 */
public final class Daemon {
    /** The system property set to {@code true} in a JVM that {@link #daemonizeSelf(DaemonSpec)} launched. */
    public static final String DAEMONIZED_PROPERTY = "forkj.daemonized";

    private Daemon() {
    }

    /**
     * Starts {@code spec} as a daemon and returns once its {@code execve} has succeeded.
     *
     * @throws DaemonException if a running daemon holds the pid file, or the daemon reported a failed step
     *                         (message like {@code execve(/no/such): ENOENT (No such file or directory)}), or it
     *                         was not ready within {@link DaemonSpec#readyTimeout()} (it is killed then)
     * @throws io.forkj.PosixException if the launcher's own calls fail (pid file, pipe, fork)
     * @throws UnsupportedOperationException if this JVM's Java heap is a shared mapping ({@code -XX:+UseZGC},
     *                                       {@code -XX:AllocateHeapAt}, {@code -XX:+UseSHM}): the launcher's
     *                                       forked children run Java code until their exec
     */
    public static DaemonHandle start(DaemonSpec spec) {
        return Launcher.start(Objects.requireNonNull(spec, "spec"));
    }

    /**
     * Stops the daemon a pid file names, like {@code start-stop-daemon --stop --retry TERM/deadline}: checks
     * first that the pid is that daemon (someone holds the file's lock, the named process holds the file open,
     * and it started before the file was written), sends {@code SIGTERM}, waits until the lock is released (the
     * daemon exited), then removes the file. A provably stale pid file ({@link DaemonStatus.State#STALE}) is
     * removed without signalling anyone; no other file is ever removed.
     *
     * @return true if a running daemon was stopped, false if none was running
     * @throws DaemonException if the file is {@link DaemonStatus.State#UNVERIFIED} (nobody is signalled, the file
     *                         is left in place; the message says what it holds), or the daemon still runs after
     *                         {@code deadline} (it is left running and its file kept)
     */
    public static boolean stop(Path pidFile, Duration deadline) {
        Objects.requireNonNull(pidFile, "pidFile");
        if (deadline.isNegative()) {
            throw new IllegalArgumentException("stop deadline " + deadline + " is negative");
        }
        return Stopper.stop(pidFile.toAbsolutePath(), deadline);
    }

    /**
     * What the pid file says, verified the same way as {@link #stop(Path, Duration)} does and without touching
     * the lock (it reads {@code /proc/locks}), like {@code start-stop-daemon --status}. A file is
     * {@link DaemonStatus.State#STALE} only when its content is exactly a pid and a newline, nobody holds its
     * lock, and that pid is not a live process started before the file was written; any other unlocked file is
     * {@link DaemonStatus.State#UNVERIFIED}.
     */
    public static DaemonStatus status(Path pidFile) {
        return PidFile.status(Objects.requireNonNull(pidFile, "pidFile").toAbsolutePath());
    }

    /**
     * The seed's two-level fork (创建二级子进程), as in C {@code if (fork() == 0) { if (fork() == 0) { work();
     * _exit(0); } _exit(0); } waitpid(child)}: this process forks a child, the child forks a grandchild and exits
     * at once, this process reaps the child, and the grandchild, now an orphan adopted by init or the nearest
     * subreaper, runs {@code body} and {@code _exit}s (0, or 70 if the body throws, with a line on fd 2). No
     * zombie is left: the child is reaped here and the grandchild by its adopter.
     *
     * <p>The body runs in a forked copy of this JVM that has only the calling thread: it must be short, run only
     * code this JVM has already run (a first class load or lambda can block forever), allocate almost nothing
     * and never return into the caller's frames. For real work, {@link #start(DaemonSpec)} a program instead.
     * SIGHUP, SIGINT and SIGTERM are reset to their default action in the grandchild, so they kill it.
     *
     * <p>The child is made by {@link Fork#run}, so a child that stalls before it forks the grandchild is killed
     * and replaced, as for any guarded fork; the grandchild is forked by a single-threaded process and inherits
     * no lock another thread held.
     *
     * @return the grandchild's pid; it has started the body when this returns
     * @throws DaemonException if the child stalled after its start (it is killed), could not fork, or the
     *                         grandchild did not report its pid within 30 s
     * @throws UnsupportedOperationException if this JVM's Java heap is a shared mapping, as {@link Fork#run} does
     */
    public static int orphanGrandchild(Runnable body) {
        return Orphan.start(Objects.requireNonNull(body, "body"));
    }

    /**
     * Relaunches this JVM as a daemon: a forked JVM cannot run long (it has no GC or compiler threads), so the
     * daemon is a fresh JVM started with {@link #start(DaemonSpec)} from {@link DaemonSpec#ofThisJvm}, which
     * carries the marker {@value #DAEMONIZED_PROPERTY}. The usual main, like Python's {@code daemon.DaemonContext}
     * wrapped around a program:
     * <pre>{@code
     * if (!Daemon.isDaemonized()) {
     *     Daemon.daemonizeSelf(DaemonSpec.ofThisJvm(Main.class, args).pidFile(Path.of("/run/app.pid")));
     *     return;                 // the launcher's work is done
     * }
     * serve();                    // the daemon: its own session, cwd /, stdio on /dev/null, pid file locked
     * }</pre>
     * Ready means the new JVM's {@code execve} succeeded, not that the application is serving.
     *
     * @throws IllegalArgumentException if {@code spec} was not made by {@link DaemonSpec#ofThisJvm}
     */
    public static DaemonHandle daemonizeSelf(DaemonSpec spec) {
        if (!spec.command().contains("-D" + DAEMONIZED_PROPERTY + "=true")) {
            throw new IllegalArgumentException("daemonizeSelf needs a spec from DaemonSpec.ofThisJvm(mainClass, args), got the command "
                    + spec.command());
        }
        return start(spec);
    }

    /** True in a JVM launched by {@link #daemonizeSelf(DaemonSpec)}. */
    public static boolean isDaemonized() {
        return Boolean.getBoolean(DAEMONIZED_PROPERTY);
    }
}
