package io.forkj.signals;

import io.forkj.Signal;
import io.forkj.posix.internal.children.KnownChildren;
import io.forkj.posix.internal.proc.ProcStat;
import io.forkj.signals.internal.ChildScan;
import io.forkj.signals.internal.LinuxStructs;
import jnr.ffi.Pointer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The disposition of {@code SIGCHLD}, which decides who reaps this JVM's children.
 *
 * <p>{@link #ignore} is C's {@code signal(SIGCHLD, SIG_IGN)} and Python's
 * {@code signal.signal(signal.SIGCHLD, signal.SIG_IGN)}: the kernel reaps every child as it exits, so none
 * becomes a zombie, and {@code wait()} then fails with ECHILD. {@link #noZombies} sets {@code SA_NOCLDWAIT},
 * which has the same effect on reaping but keeps the handler. {@link #restore} puts back exactly the
 * {@code struct sigaction} that was there before the first change made here.
 *
 * <p><b>Why it refuses by default.</b> The JDK learns a {@code java.lang.Process}'s exit code by
 * {@code waitpid(pid)} on that child. With SIGCHLD ignored the kernel discards the status; the JDK's
 * {@code waitpid} gets ECHILD and {@code Process.waitFor()} reports 0 whatever the real code was. So while a
 * child of this JVM may be a {@code java.lang.Process}, both calls refuse with {@link IllegalStateException};
 * {@link Option#ALLOW_WITH_JDK_PROCESSES} overrides.
 *
 * <p>The JDK resets SIGCHLD to {@code SIG_DFL} once, when its {@code ProcessImpl} class is initialised; this
 * class initialises it first (see the static initializer), so that reset can never undo an {@link #ignore}.
 *
 * <p>How a {@code java.lang.Process} child is recognised (the JDK offers no list): a child of this JVM that
 * forkj did not create ({@code KnownChildren}: every {@code Posix.fork()} and every {@link io.forkj.posix.ExitWatcher} pid)
 * and that either (a) some thread of this JVM is blocked waiting for (the JDK's "process reaper" thread sits in
 * {@code waitpid(pid)} for the child's whole life), or (b) runs another program than this JVM's binary (it
 * has exec'd, as every {@code ProcessBuilder} child does; this also covers a Process started a moment ago
 * whose reaper thread is not waiting yet). An orphan adopted through {@link Subreaper} that exec'd a program
 * also matches (b); the refusal is cautious there, not wrong.
 */
public final class ChildSignals {
    /** Options for {@link #ignore(Option...)} and {@link #noZombies(Option...)}. */
    public enum Option {
        /**
         * Change SIGCHLD even while {@code java.lang.Process} children are alive, accepting that their
         * {@code waitFor()} and {@code exitValue()} will report 0 instead of their real exit codes.
         */
        ALLOW_WITH_JDK_PROCESSES
    }

    private static SignalDisposition saved;

    static {
        // The JDK's ProcessImpl resets SIGCHLD to SIG_DFL (SA_NOCLDSTOP | SA_RESTART) when its class is
        // initialised, i.e. at the first ProcessBuilder.start(). Measured on JDK 17 and 25: without this, an
        // ignore() made before the JVM's first Process is silently undone by it. Initialising it here makes the
        // JDK's one reset happen before any change this class makes, never after.
        try {
            Class.forName("java.lang.ProcessImpl", true, null);
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ChildSignals() {
    }

    /**
     * Sets SIGCHLD to {@code SIG_IGN} with an empty mask and no flags: the kernel reaps every child, none is ever
     * a zombie. Returns the disposition that was replaced.
     *
     * @throws IllegalStateException if a {@code java.lang.Process} child may be alive and
     *                               {@link Option#ALLOW_WITH_JDK_PROCESSES} is not given
     */
    public static synchronized SignalDisposition ignore(Option... options) {
        refuseWhileJdkChildren("ignore()", options);
        return change(LinuxStructs.sigaction(LinuxStructs.SIG_IGN, 0), "ignore()");
    }

    /**
     * Adds {@code SA_NOCLDWAIT} to SIGCHLD's flags, keeping its handler and mask: C's
     * {@code sa.sa_flags |= SA_NOCLDWAIT}. Exited children are reaped by the kernel as with {@link #ignore}.
     *
     * @throws IllegalStateException as {@link #ignore} does
     */
    public static synchronized SignalDisposition noZombies(Option... options) {
        refuseWhileJdkChildren("noZombies()", options);
        Pointer act = current().pointer();
        LinuxStructs.setFlags(act, LinuxStructs.flags(act) | LinuxStructs.SA_NOCLDWAIT);
        return change(act, "noZombies()");
    }

    /**
     * Sets SIGCHLD to {@code SIG_DFL} with no flags, the disposition the JDK needs. Needs no check.
     */
    public static synchronized SignalDisposition setDefault() {
        return change(LinuxStructs.sigaction(LinuxStructs.SIG_DFL, 0), "setDefault()");
    }

    /**
     * Puts back exactly the SIGCHLD disposition that was in place before the first {@link #ignore},
     * {@link #noZombies} or {@link #setDefault} since the last restore: handler, mask and flags.
     *
     * @return true if something was restored, false if nothing had been changed
     */
    public static synchronized boolean restore() {
        if (saved == null) {
            return false;
        }
        Signals.install(Signal.SIGCHLD, saved.pointer(), "restore()");
        saved = null;
        return true;
    }

    /** The current SIGCHLD disposition (C's {@code sigaction(SIGCHLD, NULL, &old)}). */
    public static SignalDisposition current() {
        return Signals.disposition(Signal.SIGCHLD);
    }

    /**
     * The children of this JVM that look like {@code java.lang.Process} children by the rule in the class
     * comment; {@link #ignore} refuses while this is not empty.
     */
    public static List<Integer> jdkProcessChildren() {
        List<Integer> result = new ArrayList<>();
        Set<Integer> awaited = null;
        for (int pid : ChildScan.children()) {
            if (KnownChildren.isKnown(pid, ProcStat.startTime(pid))) {
                continue;
            }
            if (awaited == null) {
                awaited = ChildScan.awaited();
            }
            if (awaited.contains(pid) || ChildScan.runsOtherProgram(pid)) {
                result.add(pid);
            }
        }
        return result;
    }

    private static void refuseWhileJdkChildren(String call, Option... options) {
        for (Option o : options) {
            if (o == Option.ALLOW_WITH_JDK_PROCESSES) {
                return;
            }
        }
        List<Integer> jdk = jdkProcessChildren();
        if (!jdk.isEmpty()) {
            throw new IllegalStateException("ChildSignals." + call + " refused: child process(es) " + jdk
                    + " look like java.lang.Process children (started by ProcessBuilder/Runtime.exec, not by forkj). "
                    + "With SIGCHLD ignored or SA_NOCLDWAIT the kernel reaps them itself, the JDK's waitpid fails "
                    + "with ECHILD and Process.waitFor() reports exit code 0 instead of the real one. Wait for them "
                    + "first, or pass Option.ALLOW_WITH_JDK_PROCESSES to accept that");
        }
    }

    private static SignalDisposition change(Pointer act, String call) {
        SignalDisposition previous = Signals.install(Signal.SIGCHLD, act, call);
        if (saved == null) {
            saved = previous;
        }
        return previous;
    }
}
