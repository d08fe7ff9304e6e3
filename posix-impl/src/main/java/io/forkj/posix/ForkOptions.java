package io.forkj.posix;

import io.forkj.Signal;
import io.forkj.posix.internal.spawn.Redirects;

import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * How {@link Fork#run(ForkOptions, ChildBody)} forks: an immutable value; every {@code with}-style method
 * returns a changed copy. Start from {@link #defaults()}.
 *
 * <ul>
 *   <li>{@link #deadline(Duration)}: the child must have exited this long after the fork, or the parent
 *       SIGKILLs it, reaps it and throws {@link ForkStallException}. Default 30 seconds.</li>
 *   <li>{@link #gcBeforeFork(boolean)}: run {@code System.gc()} before forking so the child starts with an
 *       empty young generation, the largest {@link Fork#allocationBudget() allocation budget}. Default off
 *       (a full collection costs milliseconds to seconds, depending on the heap; measured: median fork round
 *       trip 16 ms with it against 4 ms without, default heap). A no-op under {@code -XX:+DisableExplicitGC},
 *       which the reported budget then shows.</li>
 *   <li>{@link #resetSignals(Signal...)}: signals set to {@code SIG_DFL} and unblocked in the child before
 *       the body runs, so that {@code kill(pid, SIGTERM)} terminates it as it would a Python child (exit code
 *       -15). Default {@code SIGHUP, SIGINT, SIGQUIT, SIGTERM}: the signals the JVM catches that a user sends
 *       (measured SigCgt of a JDK 17 JVM: HUP INT QUIT ILL BUS FPE SEGV USR2 PIPE TERM XFSZ). Without the
 *       reset they are caught by the JVM's handler, which hands them to a dispatcher thread the child does
 *       not have: they are silently ignored. {@code SIGSEGV}, {@code SIGBUS}, {@code SIGFPE} and
 *       {@code SIGILL} are refused: the JVM needs its handlers for them to run Java code at all (implicit
 *       null checks, safepoint polls, stack banging). {@code SIGPIPE} and {@code SIGXFSZ} are left caught:
 *       the JVM's handler ignores them, so a write fails with {@code EPIPE}, as in Python.</li>
 *   <li>{@link #stdout(Redirect)}, {@link #stderr(Redirect)}: fd 1 and fd 2 of the child.
 *       {@link Redirect#INHERIT} (default), {@link Redirect#DISCARD}, {@code Redirect.to(file)},
 *       {@code Redirect.appendTo(file)}. The file is opened in the parent before the fork and
 *       {@code dup2}ed onto the fd in the child.</li>
 * </ul>
 */
public final class ForkOptions {
    private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);
    private static final List<Signal> DEFAULT_RESET =
            List.of(Signal.SIGHUP, Signal.SIGINT, Signal.SIGQUIT, Signal.SIGTERM);
    private static final ForkOptions DEFAULTS =
            new ForkOptions(DEFAULT_DEADLINE, false, DEFAULT_RESET, Redirect.INHERIT, Redirect.INHERIT);

    private final Duration deadline;
    private final boolean gcBeforeFork;
    private final List<Signal> resetSignals;
    private final Redirect stdout;
    private final Redirect stderr;

    private ForkOptions(Duration deadline, boolean gcBeforeFork, List<Signal> resetSignals, Redirect stdout,
                        Redirect stderr) {
        this.deadline = deadline;
        this.gcBeforeFork = gcBeforeFork;
        this.resetSignals = resetSignals;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Deadline 30 s, no GC before fork, reset {@code SIGHUP SIGINT SIGQUIT SIGTERM}, inherited stdout and stderr. */
    public static ForkOptions defaults() {
        return DEFAULTS;
    }

    /**
     * A copy with the time the child has to exit, counted from the fork.
     *
     * @throws IllegalArgumentException if {@code deadline} is zero or negative: every guarded fork has one
     */
    public ForkOptions deadline(Duration deadline) {
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isZero() || deadline.isNegative()) {
            throw new IllegalArgumentException("deadline " + deadline + " must be positive: every guarded fork has a deadline");
        }
        return new ForkOptions(deadline, gcBeforeFork, resetSignals, stdout, stderr);
    }

    /** A copy that does (or does not) run {@code System.gc()} just before forking. */
    public ForkOptions gcBeforeFork(boolean gc) {
        return new ForkOptions(deadline, gc, resetSignals, stdout, stderr);
    }

    /**
     * A copy that resets exactly these signals to {@code SIG_DFL} (and unblocks them) in the child; none
     * keeps the JVM's dispositions.
     *
     * @throws IllegalArgumentException for {@code SIGSEGV}, {@code SIGBUS}, {@code SIGFPE}, {@code SIGILL}
     *                                  (the JVM needs them), {@code SIGKILL}, {@code SIGSTOP} (cannot be
     *                                  changed) and glibc's internal {@code SIG32}, {@code SIG33}
     */
    public ForkOptions resetSignals(Signal... signals) {
        List<Signal> list = new ArrayList<>();
        for (Signal s : signals) {
            Objects.requireNonNull(s, "signal");
            int n = s.number();
            if (n == 4 || n == 7 || n == 8 || n == 11) {
                throw new IllegalArgumentException("cannot reset " + s + " in a forked JVM child: the JVM's own handler for it"
                        + " is what lets Java code run (implicit null checks, safepoint polls, stack banging)");
            }
            if (n == 9 || n == 19 || n == 32 || n == 33) {
                throw new IllegalArgumentException("cannot reset " + s + ": its disposition cannot be changed"
                        + (n >= 32 ? " (reserved for glibc's threads)" : ""));
            }
            if (!list.contains(s)) {
                list.add(s);
            }
        }
        return new ForkOptions(deadline, gcBeforeFork, Collections.unmodifiableList(list), stdout, stderr);
    }

    /**
     * A copy with the child's fd 1 redirected.
     *
     * @throws IllegalArgumentException for {@link Redirect#PIPE} and read redirects
     */
    public ForkOptions stdout(Redirect redirect) {
        return new ForkOptions(deadline, gcBeforeFork, resetSignals, Redirects.checkOutput("stdout", redirect), stderr);
    }

    /**
     * A copy with the child's fd 2 redirected.
     *
     * @throws IllegalArgumentException for {@link Redirect#PIPE} and read redirects
     */
    public ForkOptions stderr(Redirect redirect) {
        return new ForkOptions(deadline, gcBeforeFork, resetSignals, stdout, Redirects.checkOutput("stderr", redirect));
    }

    /** The time the child has to exit, counted from the fork. */
    public Duration deadline() {
        return deadline;
    }

    /** Whether {@code System.gc()} runs just before the fork. */
    public boolean gcBeforeFork() {
        return gcBeforeFork;
    }

    /** The signals reset to {@code SIG_DFL} and unblocked in the child, unmodifiable. */
    public List<Signal> signalsToReset() {
        return resetSignals;
    }

    /** The child's fd 1. */
    public Redirect stdout() {
        return stdout;
    }

    /** The child's fd 2. */
    public Redirect stderr() {
        return stderr;
    }

    @Override
    public String toString() {
        return "ForkOptions[deadline=" + deadline + ", gcBeforeFork=" + gcBeforeFork + ", resetSignals="
                + Arrays.toString(resetSignals.toArray()) + ", stdout=" + stdout + ", stderr=" + stderr + "]";
    }
}
