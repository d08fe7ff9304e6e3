package io.forkj.posix.internal.daemon;

import java.util.stream.Collectors;
import io.forkj.posix.internal.proc.StatLine;
import io.forkj.posix.internal.proc.ProcStat;
import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcParser;
import io.forkj.posix.internal.PollFds;
import io.forkj.Errno;
import io.forkj.Posix;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.WaitOption;
import io.forkj.WaitStatus;
import io.forkj.posix.DaemonException;
import io.forkj.posix.DaemonHandle;
import io.forkj.posix.DaemonSpec;
import io.forkj.posix.internal.LinuxLibC;
import io.forkj.posix.internal.KnownChildren;
import io.forkj.posix.internal.Native;
import io.forkj.posix.internal.QuietCompiler;
import io.forkj.posix.internal.StallProbe;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.posix.POSIX;

import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The double fork behind {@link io.forkj.posix.Daemon#start(DaemonSpec)}.
 *
 * <p>Launcher: locks the pid file, creates the readiness pipe ({@code O_CLOEXEC} on both ends), forks, reaps the
 * first child, then reads the pipe until EOF (the daemon's {@code execve} succeeded and closed the write end)
 * or a failure record, within the ready timeout.
 *
 * <p>First child: closes every fd from 3 up but the pipe and the pid file ({@code close_range}), {@code setsid},
 * forks, {@code _exit(0)}. Grandchild (the daemon, in a new session and not its leader, so it can never acquire
 * a controlling terminal): reports its pid, points stdio at {@code /dev/null} or the log, sets the umask,
 * {@code chdir}s, writes its pid into the locked file, drops privileges, resets every signal to {@code SIG_DFL}
 * and empties the signal mask, then {@code execve}s the command with the sanitized environment. A failing step
 * writes which step and errno to the pipe and {@code _exit(1)}s.
 *
 * <p>The children run forked copies of the JVM with one thread: they call only native functions the launcher
 * already called (the {@linkplain ChildPlan#rehearsal rehearsal} in the class initializer runs their code with
 * arguments that make each call fail harmlessly), read only memory prepared before the fork and allocate
 * nothing. Signals are reset just before {@code execve} rather than first, because until then the process is
 * still a JVM whose own SIGSEGV/SIGBUS handlers implement null checks and safepoints; the daemon cannot tell the
 * difference, since nothing else runs in between.
 */
public final class Launcher {
    private static final POSIX POSIX = Native.posix();
    private static final LinuxLibC LIBC = Native.libc();
    /** The children's own binding instance: see the "daemon" block of {@link LinuxLibC}. */
    static final LinuxLibC CHILD = LinuxLibC.load();
    private static final int O_RDWR = OpenFlags.O_RDWR.intValue();
    private static final int O_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;
    private static final int LOG_FLAGS = OpenFlags.O_WRONLY.intValue() | OpenFlags.O_APPEND.intValue()
            | OpenFlags.O_CREAT.intValue();
    /** The kernel's sigset_t: 64 signals, not glibc's 1024-bit one. */
    private static final long KERNEL_SIGSET_BYTES = 8;
    private static final byte PID_RECORD = 'P';
    private static final byte FAILURE_RECORD = 'E';
    private static final byte EXEC_RECORD = 'X';
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
    private static final Pointer STALL_WORD = Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true);
    private static final long FUTEX_WAIT_PRIVATE = 128;
    private static final System.Logger LOG = System.getLogger(Launcher.class.getName());

    // The steps a child can fail at, as written to the pipe.
    private static final int STEP_CLOSE_FDS = 1;
    private static final int STEP_SETSID = 2;
    private static final int STEP_FORK = 3;
    private static final int STEP_OPEN_STDIN = 4;
    private static final int STEP_OPEN_OUTPUT = 5;
    private static final int STEP_DUP2 = 6;
    private static final int STEP_CHDIR = 7;
    private static final int STEP_WRITE_PID = 8;
    private static final int STEP_SETGROUPS = 9;
    private static final int STEP_SETGID = 10;
    private static final int STEP_SETUID = 11;
    private static final int STEP_SIGMASK = 12;
    private static final int STEP_EXECVE = 13;

    static {
        rehearse();
    }

    private Launcher() {
    }

    /** Starts {@code spec} as a daemon and returns once its {@code execve} succeeded. */
    public static DaemonHandle start(DaemonSpec spec) {
        Map<String, String> environment = spec.daemonEnvironment(System.getenv());
        String program = resolve(spec.command().get(0), environment.get("PATH"));
        String output = spec.log() == null ? null : spec.log().toAbsolutePath().toString();
        String directory = spec.directory().toAbsolutePath().toString();
        List<String> envp = new ArrayList<>();
        environment.forEach((name, value) -> envp.add(name + "=" + value));
        Optional<Path> pidFile = spec.pidFileIfAny().map(Path::toAbsolutePath);

        PidFile.Lock lock = pidFile.map(PidFile::acquire).orElse(null);
        boolean ready = false;
        try {
            long deadline = System.nanoTime() + spec.readyTimeout().toNanos();
            int[] signals = handledSignals();
            for (int attempt = 1; ; attempt++) {
                Report report = attempt(attempt, spec, lock, output, directory, signals, program, envp, deadline);
                if (report.stalled && attempt < MAX_ATTEMPTS) {
                    LOG.log(System.Logger.Level.WARNING, "daemon start attempt {0} of {1}: the forked JVM child"
                            + " stalled before execve; killed it, retrying", attempt, String.join(" ", spec.command()));
                    if (lock != null) {
                        lock.reset();
                    }
                    continue;
                }
                if (report.stalled) {
                    throw new DaemonException("daemon " + String.join(" ", spec.command()) + " failed to start: its"
                            + " forked JVM children stalled " + MAX_ATTEMPTS + " times before execve (a JVM lock held"
                            + " by another thread at fork time; a busy JIT or GC makes it likelier); each was killed");
                }
                if (report.failure != null) {
                    PosixException failure = describe(report, program, output, directory, pidFile, spec);
                    throw new DaemonException("daemon " + String.join(" ", spec.command()) + " failed to start: "
                            + failure.getMessage(), failure);
                }
                ready = true;
                if (spec.notifySocket() != null) {
                    try {
                        Notify.send(spec.notifySocket(), "READY=1\nMAINPID=" + report.pid + "\n");
                    } catch (PosixException e) {
                        throw new DaemonException("daemon pid " + report.pid + " is running, but telling "
                                + spec.notifySocket() + " READY=1 failed: " + e.getMessage(), e);
                    }
                }
                return new DaemonHandle(report.pid, pidFile);
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
            System.out.flush();
            System.err.flush();
            QuietCompiler.await(QUIET_WAIT_NANOS);
            int middle = forkDaemon(plan);
            Reference.reachabilityFence(plan);
            if (middle > 0) {
                // Forked raw, past NativePosix: register it, or a running Reaper takes it for an adopted orphan.
                KnownChildren.forked(middle);
            }
            POSIX.close(pipe[1]);
            pipe[1] = -1;
            if (middle < 0) {
                throw new PosixException("fork()", -middle);
            }
            Report report = awaitReport(pipe[0], middle, spec.readyTimeout(), deadline);
            if (report.failure != null) {
                reapIfOurs(report.pid);
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

    /** What the pipe said. */
    private static final class Report {
        int pid;
        boolean execing;
        boolean stalled;
        int step;
        PosixException failure;
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
        Report report = new Report();
        byte[] buffer = new byte[64];
        byte[] chunk = new byte[64];
        int length = 0;
        Pointer pollFd = PollFds.one(readFd, PollFds.POLLIN);
        boolean eof = false;
        while (!eof) {
            long now = System.nanoTime();
            if (!report.execing && now - stallDeadline > 0) {
                killStalled(middle, report.pid);
                report.stalled = true;
                return report;
            }
            if (now - deadline > 0) {
                killStalled(middle, report.pid);
                throw new DaemonException("daemon was not ready within " + timeout + ": pid " + report.pid
                        + " did not finish execve; killed");
            }
            int polled = LIBC.poll(pollFd, 1, 20);
            if (polled < 0 && Native.errno() != Errno.EINTR.number()) {
                throw new PosixException("poll(readiness pipe)", Native.errno());
            }
            // A JVM copy provably blocked for ever (StallProbe) need not wait out STALL_NANOS, which stays the
            // bound for any other stall.
            if (polled == 0 && !report.execing && (StallProbe.stalled(middle).isPresent()
                    || (report.pid > 0 && StallProbe.stalled(report.pid).isPresent()))) {
                killStalled(middle, report.pid);
                report.stalled = true;
                return report;
            }
            if (polled > 0) {
                long n = LIBC.read(readFd, chunk, chunk.length);
                if (n < 0 && Native.errno() != Errno.EINTR.number()) {
                    throw new PosixException("read(readiness pipe)", Native.errno());
                }
                if (n > buffer.length - length) {
                    killStalled(middle, report.pid);
                    throw new DaemonException("the daemon's children wrote more than any readiness record holds");
                }
                eof = n == 0;
                if (n > 0) {
                    System.arraycopy(chunk, 0, buffer, length, (int) n);
                    length += (int) n;
                    parse(buffer, length, report, false);
                }
            }
        }
        reap(middle, System.nanoTime() + STALL_NANOS);
        parse(buffer, length, report, true);
        if (report.pid <= 0 && report.failure == null) {
            throw new DaemonException("the daemon's first child ended without starting it");
        }
        return report;
    }

    /** Decodes the records read so far; a partial last record is an error only once the pipe is closed. */
    private static void parse(byte[] buffer, int length, Report report, boolean complete) {
        for (int at = 0; at < length; ) {
            if (buffer[at] == PID_RECORD && at + 5 <= length) {
                report.pid = getInt(buffer, at + 1);
                at += 5;
            } else if (buffer[at] == EXEC_RECORD) {
                report.execing = true;
                at += 1;
            } else if (buffer[at] == FAILURE_RECORD && at + 6 <= length) {
                report.step = buffer[at + 1];
                report.failure = new PosixException("step " + report.step, getInt(buffer, at + 2));
                at += 6;
            } else if (complete || (buffer[at] != PID_RECORD && buffer[at] != FAILURE_RECORD && buffer[at] != EXEC_RECORD)) {
                throw new DaemonException("unreadable readiness record from the daemon: " + length + " bytes");
            } else {
                return;
            }
        }
    }

    /** The message for a failure record: the step as a C call with its arguments, errno and its meaning. */
    private static PosixException describe(Report report, String program, String output, String directory,
                                   Optional<Path> pidFile, DaemonSpec spec) {
        String call;
        String detail = null;
        switch (report.step) {
            case STEP_CLOSE_FDS:
                call = "close_range(3, ~0U, 0)";
                detail = report.failure.errno() == Errno.ENOSYS.number() ? "close_range needs Linux 5.9 or later" : null;
                break;
            case STEP_SETSID: call = "setsid()"; break;
            case STEP_FORK: call = "fork() (second)"; break;
            case STEP_OPEN_STDIN: call = "open(/dev/null, O_RDWR)"; break;
            case STEP_OPEN_OUTPUT: call = "open(" + output + ", O_WRONLY|O_APPEND|O_CREAT, 0644)"; break;
            case STEP_DUP2: call = "dup2(.., 0..2)"; break;
            case STEP_CHDIR: call = "chdir(" + directory + ")"; break;
            case STEP_WRITE_PID: call = "write(" + pidFile.map(Path::toString).orElse("pid file") + ")"; break;
            case STEP_SETGROUPS: call = "setgroups(1, [" + spec.gid() + "])"; break;
            case STEP_SETGID: call = "setgid(" + spec.gid() + ")"; break;
            case STEP_SETUID: call = "setuid(" + spec.uid() + ")"; break;
            case STEP_SIGMASK: call = "sigprocmask(SIG_SETMASK, {})"; break;
            case STEP_EXECVE:
                call = "execve(" + program + ")";
                detail = program.indexOf('/') < 0 ? "not found in the daemon's PATH="
                        + spec.daemonEnvironment(System.getenv()).getOrDefault("PATH", "(unset)") : null;
                break;
            default: call = "step " + report.step;
        }
        return new PosixException(call, report.failure.errno(), detail);
    }

    // ---------------------------------------------------------------- the children (no allocation from here)

    /**
     * Forks twice through ONE call site, so the first child's fork is not a first call. Returns the first
     * child's pid (or minus errno) in the launcher; never returns in the children.
     */
    private static int forkDaemon(ChildPlan plan) {
        for (int level = 0; ; level++) {
            int pid = CHILD.fork();
            if (pid > 0) {
                if (level == 0) {
                    return pid;
                }
                exit(0);
            }
            if (pid < 0) {
                if (level == 0) {
                    return -Native.errno();
                }
                fail(plan, STEP_FORK);
            }
            if (level == 0) {
                closeInherited(plan);
                if (CHILD.syscall(LinuxLibC.Sys.SETSID, 0, 0, 0, 0) < 0) {
                    fail(plan, STEP_SETSID);
                }
            } else {
                daemon(plan);
                exit(127);
            }
        }
    }

    private static void closeInherited(ChildPlan plan) {
        long[] ranges = plan.closeRanges;
        for (int i = 0; i < ranges.length; i += 2) {
            if (CHILD.syscall(LinuxLibC.Sys.CLOSE_RANGE, ranges[i], ranges[i + 1], 0, 0) != 0) {
                fail(plan, STEP_CLOSE_FDS);
            }
        }
    }

    /** The grandchild: returns only in a rehearsal. */
    private static void daemon(ChildPlan plan) {
        int pid = CHILD.getpid();
        byte[] message = plan.message;
        message[0] = PID_RECORD;
        putInt(message, 1, pid);
        CHILD.write(plan.readyFd, message, 5);

        int in = CHILD.open(plan.devNull, O_RDWR, 0);
        if (in < 0) {
            fail(plan, STEP_OPEN_STDIN);
        }
        int out = plan.output == plan.devNull ? in : CHILD.open(plan.output, plan.outputFlags, 0644);
        if (out < 0) {
            fail(plan, STEP_OPEN_OUTPUT);
        }
        if (CHILD.dup2(in, 0) < 0 || CHILD.dup2(out, 1) < 0 || CHILD.dup2(out, 2) < 0) {
            fail(plan, STEP_DUP2);
        }
        if (out > 2 && out != in) {
            CHILD.close(out);
        }
        if (in > 2) {
            CHILD.close(in);
        }

        CHILD.umask(plan.umask);
        if (CHILD.chdir(plan.directory) != 0) {
            fail(plan, STEP_CHDIR);
        }
        if (plan.pidFd >= 0 || plan.rehearsal) {
            int length = decimal(pid, plan.pidText);
            if (CHILD.write(plan.pidFd, plan.pidText, length) != length) {
                fail(plan, STEP_WRITE_PID);
            }
        }
        if (plan.stall) {
            // Fault injection for the stall tests: wait for ever on a private futex, as a JVM copy that caught a
            // lock held at the fork does (what StallProbe recognises).
            while (true) {
                CHILD.syscall(LinuxLibC.Sys.FUTEX, STALL_WORD.address(), FUTEX_WAIT_PRIVATE, 0, 0);
            }
        }
        if (plan.gid >= 0 || plan.rehearsal) {
            if (CHILD.setgroups(plan.groupCount, plan.groups) != 0) {
                fail(plan, STEP_SETGROUPS);
            }
            if (CHILD.setgid(plan.gid) != 0) {
                fail(plan, STEP_SETGID);
            }
        }
        if (plan.uid >= 0 || plan.rehearsal) {
            if (CHILD.setuid(plan.uid) != 0) {
                fail(plan, STEP_SETUID);
            }
        }
        // The raw syscall, because glibc refuses 32 and 33, which may arrive ignored from an ancestor. A zeroed
        // kernel struct sigaction is SIG_DFL with no flags. Only the signals the launcher catches or ignores
        // need it (the rest are SIG_DFL already), which keeps the child's calls few.
        for (int signal : plan.signalsToReset) {
            CHILD.syscall(LinuxLibC.Sys.RT_SIGACTION, signal, plan.defaultAction, 0, KERNEL_SIGSET_BYTES);
        }
        if (CHILD.syscall(LinuxLibC.Sys.RT_SIGPROCMASK, plan.sigmaskHow, plan.emptySigset, 0, KERNEL_SIGSET_BYTES) != 0) {
            fail(plan, STEP_SIGMASK);
        }
        plan.message[0] = EXEC_RECORD;
        CHILD.write(plan.readyFd, plan.message, 1);
        CHILD.execve(plan.program, plan.argv, plan.envp);
        fail(plan, STEP_EXECVE);
    }

    /** Reports the failed step and errno to the launcher and exits; returns only in a rehearsal. */
    private static void fail(ChildPlan plan, int step) {
        int errno = Native.errno();
        byte[] message = plan.message;
        message[0] = FAILURE_RECORD;
        message[1] = (byte) step;
        putInt(message, 2, errno);
        CHILD.write(plan.readyFd, message, 6);
        if (!plan.rehearsal) {
            exit(1);
        }
    }

    /** {@code _exit}: exit_group through the syscall stub every child has already run. */
    static void exit(int status) {
        CHILD.syscall(LinuxLibC.Sys.EXIT_GROUP, status, 0, 0, 0);
    }

    static void putInt(byte[] buffer, int at, int value) {
        buffer[at] = (byte) (value >>> 24);
        buffer[at + 1] = (byte) (value >>> 16);
        buffer[at + 2] = (byte) (value >>> 8);
        buffer[at + 3] = (byte) value;
    }

    static int getInt(byte[] buffer, int at) {
        return (buffer[at] & 0xff) << 24 | (buffer[at + 1] & 0xff) << 16 | (buffer[at + 2] & 0xff) << 8 | (buffer[at + 3] & 0xff);
    }

    /** Writes {@code value} (> 0) and a newline into {@code buffer}; returns the length. */
    private static int decimal(int value, byte[] buffer) {
        int digits = 1;
        for (int v = value / 10; v > 0; v /= 10) {
            digits++;
        }
        for (int i = digits - 1, v = value; i >= 0; i--, v /= 10) {
            buffer[i] = (byte) ('0' + v % 10);
        }
        buffer[digits] = '\n';
        return digits + 1;
    }

    // ---------------------------------------------------------------- launcher helpers

    /** Runs the children's code once with a plan whose every call fails harmlessly. */
    private static void rehearse() {
        ChildPlan plan = ChildPlan.rehearsal(currentUmask());
        closeInherited(plan);
        daemon(plan);
        CHILD.close(-1);
        CHILD.syscall(-1, 0, 0, 0, 0);
    }

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
    private static int currentUmask() {
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

    /** Reaps the first child; it exits right after its fork, so the deadline only guards a stuck fork. */
    private static void reap(int pid, long deadline) {
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
     * the new session that is ours (a grandchild that stalled before reporting its pid is found by its session).
     */
    private static void killStalled(int middle, int daemon) {
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
        session.forEach(Launcher::reapIfOurs);
    }

    /** The processes, zombies included, whose session id is {@code sid}. */
    private static List<Integer> sessionMembers(int sid) {
        return ProcStat.all().stream().filter(stat -> stat.session() == sid).map(StatLine::pid).collect(Collectors.toList());
    }

    static void sleepBriefly() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DaemonException("interrupted while waiting for the daemon to start");
        }
    }
}
