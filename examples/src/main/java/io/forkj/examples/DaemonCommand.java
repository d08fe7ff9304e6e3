package io.forkj.examples;

import io.forkj.PosixException;
import io.forkj.posix.Daemon;
import io.forkj.posix.DaemonException;
import io.forkj.posix.DaemonHandle;
import io.forkj.posix.DaemonSpec;
import io.forkj.posix.DaemonStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

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
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = "Run a command as a daemon (double fork, daemon(7) steps, locked pid file), stop it, query it.",
        subcommands = {DaemonCommand.Start.class, DaemonCommand.Stop.class, DaemonCommand.Status.class},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:ok", "1:failed, or not running", "2:bad usage"})
public final class DaemonCommand implements Callable<Integer> {
    /** Exit code for a failure or a daemon that is not running. */
    static final int FAILED = 1;

    @Spec
    CommandSpec spec;

    /** Without a subcommand: usage, and exit code 2. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: start, stop or status");
    }

    /** {@code forkj daemon start}. */
    @Command(name = "start", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Start CMD as a daemon; return once its execve succeeded and print its pid.")
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--pidfile", required = true, paramLabel = "PATH",
                description = "Pid file, created O_EXCL and locked with flock while the daemon lives.")
        Path pidFile;

        @Option(names = "--log", paramLabel = "FILE", description = "Append stdout and stderr here (default /dev/null).")
        Path log;

        @Option(names = "--chdir", paramLabel = "DIR", defaultValue = "/",
                description = "Working directory (default: ${DEFAULT-VALUE}).")
        Path directory;

        @Option(names = "--umask", paramLabel = "OCTAL", defaultValue = "022",
                description = "File mode creation mask, octal (default: ${DEFAULT-VALUE}).")
        String umask;

        @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "10",
                description = "How long to wait for the daemon's execve (default: ${DEFAULT-VALUE}).")
        double readyTimeout;

        @Parameters(arity = "1..*", paramLabel = "CMD", description = "The program and its arguments (after --).")
        List<String> command;

        @Override
        public Integer call() {
            DaemonSpec daemon;
            try {
                daemon = DaemonSpec.of(command).pidFile(pidFile).log(log).directory(directory)
                        .umask(octal(umask)).readyTimeout(seconds(readyTimeout));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            try {
                DaemonHandle handle = Daemon.start(daemon);
                spec.commandLine().getOut().println(handle.pid());
                return 0;
            } catch (DaemonException | PosixException e) {
                spec.commandLine().getErr().println("forkj daemon start: " + e.getMessage());
                return FAILED;
            }
        }

        private static int octal(String text) {
            try {
                return Integer.parseInt(text, 8);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--umask '" + text + "' is not an octal number like 022");
            }
        }
    }

    /** {@code forkj daemon stop}. */
    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Verify the pid file's daemon, send it SIGTERM, wait until it is gone, remove the file.")
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--pidfile", required = true, paramLabel = "PATH", description = "The daemon's pid file.")
        Path pidFile;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
                description = "How long to wait after SIGTERM (default: ${DEFAULT-VALUE}).")
        double timeout;

        @Override
        public Integer call() {
            Duration deadline;
            try {
                deadline = seconds(timeout);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            try {
                DaemonStatus before = Daemon.status(pidFile);
                if (Daemon.stop(pidFile, deadline)) {
                    spec.commandLine().getOut().println("stopped pid " + before.pid());
                    return 0;
                }
                spec.commandLine().getOut().println("not running: " + before.detail()
                        + (before.state() == DaemonStatus.State.STALE ? "; removed the stale pid file" : ""));
                return FAILED;
            } catch (DaemonException | PosixException e) {
                spec.commandLine().getErr().println("forkj daemon stop: " + e.getMessage());
                return FAILED;
            }
        }
    }

    /** {@code forkj daemon status}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Say whether the pid file's daemon runs (exit 0) or not (exit 1), without touching its lock.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--pidfile", required = true, paramLabel = "PATH", description = "The daemon's pid file.")
        Path pidFile;

        @Override
        public Integer call() {
            try {
                DaemonStatus status = Daemon.status(pidFile);
                spec.commandLine().getOut().println(status.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                        + ": " + status.detail());
                return status.running() ? 0 : FAILED;
            } catch (PosixException e) {
                spec.commandLine().getErr().println("forkj daemon status: " + e.getMessage());
                return FAILED;
            }
        }
    }

    private static Duration seconds(double value) {
        if (!(value > 0) || value > 86_400) {
            throw new IllegalArgumentException(value + " seconds is outside (0, 86400]");
        }
        return Duration.ofNanos((long) (value * 1e9));
    }

    /** Runs the command alone, as {@code forkj daemon ...} will once it is registered in {@link ForkjCommand}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new DaemonCommand()).execute(args));
    }
}
