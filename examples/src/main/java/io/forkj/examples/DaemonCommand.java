package io.forkj.examples;

import io.forkj.PosixException;
import io.forkj.posix.Daemon;
import io.forkj.posix.DaemonException;
import io.forkj.posix.DaemonHandle;
import io.forkj.posix.DaemonSpec;
import io.forkj.posix.DaemonStatus;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code forkj daemon start|stop|status}: the command-line face of {@link Daemon}, in the spirit of Debian's
 * {@code start-stop-daemon}. Exit codes: 0 ok, 1 failed or not running, 2 bad usage.
 *
 * <pre>
 * forkj daemon start --pidfile /run/x.pid [--log FILE] [--chdir DIR] [--umask 022] -- CMD ARGS...
 * forkj daemon stop --pidfile /run/x.pid [--timeout SECONDS]
 * forkj daemon status --pidfile /run/x.pid
 * </pre>
 */
final class DaemonCommand {
    /** Exit code for a failure or a daemon that is not running. */
    static final int FAILED = 1;

    private DaemonCommand() {
    }

    static Command command() {
        return new Command("daemon", "Run a command as a daemon (double fork, daemon(7) steps, locked pid file), stop it, query it."
                + " Exit codes: 0 ok, 1 failed or not running, 2 bad usage.")
                .subcommand(new Command("start", "Start CMD as a daemon; return once its execve succeeded and print its pid.")
                        .option("--pidfile", "PATH", "pid file, created O_EXCL and locked with flock while the daemon lives (required)")
                        .option("--log", "FILE", "append stdout and stderr here (default /dev/null)")
                        .option("--chdir", "DIR", "working directory (default /)")
                        .option("--umask", "OCTAL", "file mode creation mask, octal (default 022)")
                        .option("--ready-timeout", "SECONDS", "how long to wait for the daemon's execve (default 10)")
                        .operands("-- CMD [ARG...]", 1, Integer.MAX_VALUE)
                        .body(DaemonCommand::start))
                .subcommand(new Command("stop", "Verify the pid file's daemon, send it SIGTERM, wait until it is gone, remove the file.")
                        .option("--pidfile", "PATH", "the daemon's pid file (required)")
                        .option("--timeout", "SECONDS", "how long to wait after SIGTERM (default 10)")
                        .body(DaemonCommand::stop))
                .subcommand(new Command("status", "Say whether the pid file's daemon runs (exit 0) or not (exit 1), without touching its lock.")
                        .option("--pidfile", "PATH", "the daemon's pid file (required)")
                        .body(DaemonCommand::status));
    }

    private static int start(Arguments a) {
        Path pidFile = a.path("--pidfile", a.required("--pidfile"));
        DaemonSpec daemon;
        try {
            daemon = DaemonSpec.of(a.operands()).pidFile(pidFile).log(a.value("--log").map(f -> a.path("--log", f)).orElse(null))
                    .directory(a.path("--chdir", a.value("--chdir").orElse("/")))
                    .umask(a.octal("--umask", a.value("--umask").orElse("022")))
                    .readyTimeout(a.seconds("--ready-timeout", a.value("--ready-timeout").orElse("10")));
        } catch (IllegalArgumentException e) {
            throw a.usage(e.getMessage());
        }
        try {
            DaemonHandle handle = Daemon.start(daemon);
            a.out().println(handle.pid());
            return 0;
        } catch (DaemonException | PosixException e) {
            a.err().println("forkj daemon start: " + e.getMessage());
            return FAILED;
        }
    }

    private static int stop(Arguments a) {
        Path pidFile = a.path("--pidfile", a.required("--pidfile"));
        Duration deadline = a.seconds("--timeout", a.value("--timeout").orElse("10"));
        try {
            DaemonStatus before = Daemon.status(pidFile);
            if (Daemon.stop(pidFile, deadline)) {
                a.out().println("stopped pid " + before.pid());
                return 0;
            }
            a.out().println("not running: " + before.detail()
                    + (before.state() == DaemonStatus.State.STALE ? "; removed the stale pid file" : ""));
            return FAILED;
        } catch (DaemonException | PosixException e) {
            a.err().println("forkj daemon stop: " + e.getMessage());
            return FAILED;
        }
    }

    private static int status(Arguments a) {
        Path pidFile = a.path("--pidfile", a.required("--pidfile"));
        try {
            DaemonStatus status = Daemon.status(pidFile);
            a.out().println(status.state().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + status.detail());
            return status.running() ? 0 : FAILED;
        } catch (PosixException e) {
            a.err().println("forkj daemon status: " + e.getMessage());
            return FAILED;
        }
    }
}
