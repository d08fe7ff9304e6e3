package io.forkj.posix.internal.daemon;

import io.forkj.posix.internal.NativePosix;
import io.forkj.posix.internal.fork.SharedHeap;

import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcParser;
import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.posix.DaemonException;
import io.forkj.posix.DaemonHandle;
import io.forkj.posix.DaemonSpec;
import io.forkj.posix.internal.children.KnownChildren;
import io.forkj.posix.internal.libc.CStrings;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.PollFds;
import io.forkj.posix.internal.fork.QuietCompiler;
import io.forkj.posix.internal.fork.StallProbe;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.Pointer;
import jnr.posix.POSIX;

import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The double fork behind {@link io.forkj.posix.Daemon#start(DaemonSpec)}, seen from the launcher: it locks the
 * pid file, creates the readiness pipe ({@code O_CLOEXEC} on both ends), forks ({@link DaemonChild} is what the
 * children run), reaps the first child, then reads the pipe ({@link ReadinessPipe}) until EOF (the daemon's
 * {@code execve} succeeded and closed the write end) or a failure record, within the ready timeout. A start
 * whose forked JVM copies stall is killed ({@link StartCleanup}) and tried again, up to {@link #MAX_ATTEMPTS}
 * times.
 */
public final class Launcher {
    private static final POSIX POSIX = Native.posix();
    private static final LinuxLibC LIBC = Native.libc();
    private static final int O_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;
    private static final int LOG_FLAGS = OpenFlags.O_WRONLY.intValue() | OpenFlags.O_APPEND.intValue()
            | OpenFlags.O_CREAT.intValue();
    /**
     * Silence this long before the grandchild says it is about to execve means a stalled JVM copy; one that
     * {@link StallProbe} proves blocked is recognised within the 20 ms poll slice instead.
     */
    private static final long STALL_NANOS = Duration.ofSeconds(2).toNanos();
    private static final int MAX_ATTEMPTS = 3;
    /** How long a launch waits at most for the JIT to go quiet (see {@link QuietCompiler}). */
    static final long QUIET_WAIT_NANOS = Duration.ofMillis(200).toNanos();
    /**
     * Fault injection for tests: the first N attempts of each start stall in the grandchild after it wrote the
     * pid file, so the stall detection, the kill of the new session and the retry can be tested deterministically.
     */
    public static final String STALL_PROPERTY = "forkj.daemon.testStalls";
    /**
     * The same, the stall placed after the grandchild said it is about to {@code execve}: between that record and
     * the call its JVM copy still runs Java code (a return, the binding's stub), where it can stall too.
     */
    public static final String STALL_AT_EXEC_PROPERTY = "forkj.daemon.testStallsAtExec";
    private static final System.Logger LOG = System.getLogger(Launcher.class.getName());

    private Launcher() {
    }

    /** Starts {@code spec} as a daemon and returns once its {@code execve} succeeded. */
    public static DaemonHandle start(DaemonSpec spec) {
        SharedHeap.refuseFork("Daemon.start"); // its two forked children run Java code until the exec
        Map<String, String> environment = spec.daemonEnvironment(System.getenv());
        String program = resolve(spec.command().get(0), environment.get("PATH"));
        String output = spec.log() == null ? null : spec.log().toAbsolutePath().toString();
        String directory = spec.directory().toAbsolutePath().toString();
        List<String> envp = CStrings.environment(environment);
        Optional<Path> pidFile = spec.pidFileIfAny().map(Path::toAbsolutePath);

        PidFile.Lock lock = pidFile.map(PidFile::acquire).orElse(null);
        boolean ready = false;
        try {
            long deadline = System.nanoTime() + spec.readyTimeout().toNanos();
            int[] signals = handledSignals();
            DaemonChild.rehearsed();
            for (int attempt = 1; ; attempt++) {
                Report report = attempt(attempt, spec, lock, output, directory, signals, program, envp, deadline);
                if (report.stalled() && attempt < MAX_ATTEMPTS) {
                    LOG.log(System.Logger.Level.WARNING, "daemon start attempt {0} of {1}: the forked JVM child"
                            + " stalled before execve; killed it, retrying", attempt, String.join(" ", spec.command()));
                    if (lock != null) {
                        lock.reset();
                    }
                    continue;
                }
                if (report.stalled()) {
                    throw new DaemonException("daemon " + String.join(" ", spec.command()) + " failed to start: its"
                            + " forked JVM children stalled " + MAX_ATTEMPTS + " times before execve (a JVM lock held"
                            + " by another thread at fork time; a busy JIT or GC makes it likelier); each was killed");
                }
                ReadinessPipe.Records records = report.records();
                if (records.failed) {
                    PosixException failure = DaemonStep.describe(new DaemonStep.Failure(records.step, records.errno,
                            spec, program, output, directory, pidFile));
                    throw new DaemonException("daemon " + String.join(" ", spec.command()) + " failed to start: "
                            + failure.getMessage(), failure);
                }
                ready = true;
                if (spec.notifySocket() != null) {
                    try {
                        Notify.send(spec.notifySocket(), "READY=1\nMAINPID=" + records.pid + "\n");
                    } catch (PosixException e) {
                        throw new DaemonException("daemon pid " + records.pid + " is running, but telling "
                                + spec.notifySocket() + " READY=1 failed: " + e.getMessage(), e);
                    }
                }
                return new DaemonHandle(records.pid, pidFile);
            }
        } finally {
            if (lock != null) {
                if (ready) {
                    lock.release();
                } else {
                    lock.discard();
                }
            }
        }
    }

    /** One double fork, read to its end: ready, failed, or stalled (everything it started killed and reaped). */
    private static Report attempt(int attempt, DaemonSpec spec, PidFile.Lock lock, String output, String directory, int[] signals,
                                  String program, List<String> envp, long deadline) {
        int[] pipe = {-1, -1};
        try {
            if (LIBC.pipe2(pipe, O_CLOEXEC) != 0) {
                throw new PosixException("pipe2(O_CLOEXEC)", Native.errno());
            }
            ChildPlan plan = ChildPlan.forDaemon(pipe[1], lock == null ? -1 : lock.fd(), output, LOG_FLAGS,
                    spec.umask(), directory, spec.gid(), spec.uid(), signals, program, spec.command(), envp);
            plan.stall = attempt <= Integer.getInteger(STALL_PROPERTY, 0);
            plan.stallAtExec = attempt <= Integer.getInteger(STALL_AT_EXEC_PROPERTY, 0);
            System.out.flush();
            System.err.flush();
            QuietCompiler.await(QUIET_WAIT_NANOS);
            int middle;
            KnownChildren.forkStarting();
            try {
                middle = DaemonChild.forkDaemon(plan);
                Reference.reachabilityFence(plan);
                if (middle > 0) {
                    // Forked raw, past NativePosix: register it, or a running Reaper takes it for an adopted orphan.
                    KnownChildren.forked(middle);
                }
            } finally {
                KnownChildren.forkRecorded();
            }
            POSIX.close(pipe[1]);
            pipe[1] = -1;
            if (middle < 0) {
                throw new PosixException("fork()", -middle);
            }
            Report report = awaitReport(pipe[0], middle, spec.readyTimeout(), deadline);
            if (report.records().failed) {
                StartCleanup.reapIfOurs(report.records().pid);
            }
            return report;
        } finally {
            for (int fd : pipe) {
                if (fd >= 0) {
                    POSIX.close(fd);
                }
            }
        }
    }

    /** What the pipe said, or that the start stalled (then everything it started is killed and reaped). */
    private record Report(ReadinessPipe.Records records, boolean stalled) {
    }

    /**
     * Reads the pipe until EOF, then reaps the first child. The first child reports nothing unless
     * {@code setsid} or {@code fork} failed; the grandchild reports its pid, then that it is about to
     * {@code execve}. Before that, only the forked JVM copy runs, which takes about a millisecond: silence for
     * {@link #STALL_NANOS} there means it stalled, and everything it started is killed (the caller retries).
     * After it, only {@code execve} runs, bounded by the ready deadline.
     */
    private static Report awaitReport(int readFd, int middle, Duration timeout, long deadline) {
        long stallDeadline = System.nanoTime() + STALL_NANOS;
        ReadinessPipe.Records records = new ReadinessPipe.Records();
        byte[] chunk = new byte[ReadinessPipe.CAPACITY];
        Pointer pollFd = PollFds.one(readFd, PollFds.POLLIN);
        boolean eof = false;
        while (!eof) {
            long now = System.nanoTime();
            if (!records.execing && now - stallDeadline > 0) {
                StartCleanup.killStalled(middle, records.pid);
                return new Report(records, true);
            }
            if (now - deadline > 0) {
                StartCleanup.killStalled(middle, records.pid);
                throw new DaemonException("daemon was not ready within " + timeout + ": pid " + records.pid
                        + " did not finish execve; killed");
            }
            int polled = LIBC.poll(pollFd, 1, 20);
            if (polled < 0 && Native.errno() != Errno.EINTR.number()) {
                throw new PosixException("poll(readiness pipe)", Native.errno());
            }
            // A JVM copy provably blocked for ever (StallProbe) need not wait out STALL_NANOS, which stays the
            // bound for any other stall before the exec record. After it, the copy still runs Java code up to the
            // execve (seen once in a loop run: the ready deadline passed, "did not finish execve"); a proven stall
            // there is retried too, once a second look finds the pipe still open: execve closes it (O_CLOEXEC)
            // before the program runs, so a program of its own asleep on a futex is never taken for one.
            if (polled == 0 && (StallProbe.stalled(middle).isPresent()
                    || (records.pid > 0 && StallProbe.stalled(records.pid).isPresent()))
                    && (!records.execing || LIBC.poll(pollFd, 1, 0) == 0)) {
                StartCleanup.killStalled(middle, records.pid);
                return new Report(records, true);
            }
            if (polled > 0) {
                long n = LIBC.read(readFd, chunk, chunk.length);
                if (n < 0 && Native.errno() != Errno.EINTR.number()) {
                    throw new PosixException("read(readiness pipe)", Native.errno());
                }
                if (n > 0 && !records.append(chunk, (int) n)) {
                    StartCleanup.killStalled(middle, records.pid);
                    throw new DaemonException("the daemon's children wrote more than any readiness record holds");
                }
                eof = n == 0;
            }
        }
        StartCleanup.reapFirstChild(middle, System.nanoTime() + STALL_NANOS);
        records.closed();
        if (records.pid <= 0 && !records.failed) {
            throw new DaemonException("the daemon's first child ended without starting it");
        }
        return new Report(records, false);
    }

    // ---------------------------------------------------------------- launcher helpers

    /**
     * The signals whose disposition is not {@code SIG_DFL} in this process (caught or ignored, from
     * /proc/self/status), but SIGKILL and SIGSTOP, which cannot be changed. A handler another thread installs
     * between this read and the fork is missed; the JVM installs its own at startup.
     */
    private static int[] handledSignals() {
        long mask = statusField("SigCgt", 16) | statusField("SigIgn", 16);
        return java.util.stream.IntStream.rangeClosed(1, 64)
                .filter(signal -> (mask & (1L << (signal - 1))) != 0)
                .filter(signal -> signal != Signal.SIGKILL.number() && signal != Signal.SIGSTOP.number())
                .toArray();
    }

    /** The umask, read from /proc/self/status: setting a value to learn it would change it for other threads. */
    static int currentUmask() {
        return (int) statusField("Umask", 8);
    }

    private static long statusField(String name, int radix) {
        Path status = ProcFs.self("status");
        String value = ProcParser.statusValue(ProcFs.read(status).orElse(""), name);
        if (value == null) {
            throw new IllegalStateException(status + " has no " + name + ": line (Linux 4.7 or later needed)");
        }
        return Long.parseUnsignedLong(value, radix);
    }

    /** {@code execvp}'s lookup, done before the fork: a name without '/' is searched in the daemon's PATH. */
    static String resolve(String name, String path) {
        if (name.indexOf('/') >= 0) {
            return Path.of(name).toAbsolutePath().toString();
        }
        if (path != null) {
            for (String dir : path.split(":")) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name).toAbsolutePath();
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return name; // execve fails with ENOENT, reported by the daemon itself
    }
}
