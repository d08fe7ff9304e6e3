package io.forkj.signals;

import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.ProcessIdentity;
import io.forkj.Signal;
import io.forkj.posix.internal.libc.Arguments;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.proc.ProcStat;
import io.forkj.posix.internal.proc.StatLine;
import io.forkj.signals.internal.LinuxStructs;
import io.forkj.posix.internal.libc.Pidfd;
import jnr.ffi.Pointer;

import java.util.Optional;

/**
 * Signal dispositions through {@code sigaction(2)} (Python's {@code signal.signal} with {@code SIG_IGN} and
 * {@code SIG_DFL}) and signalling that cannot hit a recycled pid.
 *
 * <p>{@code SIGCHLD} has its own entry point, {@link ChildSignals}, because ignoring it changes how every child
 * of the JVM is reaped. Installing Java handlers is not offered: the JDK's {@code jdk.internal.misc.Signal}
 * owns that, and a handler replaced behind the JVM's back breaks it.
 */
public final class Signals {
    private Signals() {
    }

    /**
     * The current disposition of {@code signal}: C's {@code sigaction(sig, NULL, &old)}, Python's
     * {@code signal.getsignal}.
     */
    public static SignalDisposition disposition(Signal signal) {
        Pointer old = LinuxStructs.allocate(LinuxStructs.SIGACTION_SIZE);
        call("rt_sigaction(" + signal.name() + ", NULL, &old)", LinuxStructs.rtSigaction(signal.number(), null, old));
        return new SignalDisposition(signal, LinuxStructs.bytes(old, LinuxStructs.SIGACTION_SIZE));
    }

    /**
     * Sets {@code signal} to {@code SIG_IGN} (Python's {@code signal.signal(sig, signal.SIG_IGN)}) and returns
     * what was there, for {@link #restore}.
     *
     * @throws IllegalArgumentException for SIGKILL and SIGSTOP (the kernel lets no one catch or ignore them),
     *                                  for SIGCHLD (use {@link ChildSignals#ignore}), for signals the JVM
     *                                  needs to survive (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP: ignoring a
     *                                  hardware fault is undefined and the JVM relies on catching them), for
     *                                  SIG32/SIG33 (glibc's own), and when a handler is installed (the JVM's
     *                                  for SIGTERM, SIGINT, SIGHUP, SIGQUIT, ...): replacing it silently would
     *                                  break its owner; pass {@code replaceHandler = true} to do so anyway
     */
    public static SignalDisposition ignore(Signal signal, boolean replaceHandler) {
        checkChangeable(signal, "ignore");
        if (signal.equals(Signal.SIGCHLD)) {
            throw new IllegalArgumentException("ignore(SIGCHLD): use ChildSignals.ignore(), which checks that no "
                    + "java.lang.Process child needs SIGCHLD first");
        }
        return replace(signal, LinuxStructs.SIG_IGN, replaceHandler, "ignore");
    }

    /** {@link #ignore(Signal, boolean)} that refuses to replace an installed handler. */
    public static SignalDisposition ignore(Signal signal) {
        return ignore(signal, false);
    }

    /**
     * Sets {@code signal} to {@code SIG_DFL} (Python's {@code signal.signal(sig, signal.SIG_DFL)}), with the
     * same refusals as {@link #ignore(Signal, boolean)}, SIGCHLD excepted.
     */
    public static SignalDisposition setDefault(Signal signal, boolean replaceHandler) {
        checkChangeable(signal, "setDefault");
        return replace(signal, LinuxStructs.SIG_DFL, replaceHandler, "setDefault");
    }

    /**
     * Puts back exactly the disposition {@code previous} captured: handler, mask, flags (C: {@code sigaction(sig,
     * &saved, NULL)}).
     */
    public static void restore(SignalDisposition previous) {
        checkChangeable(previous.signal(), "restore");
        install(previous.signal(), previous.pointer(), "restore");
    }

    /**
     * The identity (pid and start time) of the process that has {@code pid} now, psutil's
     * {@code Process(pid)}; empty if none has.
     *
     * @throws IllegalArgumentException if {@code pid <= 0}
     */
    public static Optional<ProcessIdentity> identify(int pid) {
        Arguments.singlePid("identify", pid, "a process table");
        return ProcStat.read(pid).map(s -> new ProcessIdentity(s.pid(), s.startTime()));
    }

    /**
     * Sends {@code signal} to the process {@code target} names, and only to it: psutil's
     * {@code Process.send_signal}, which checks identity first.
     *
     * <p>With pidfds (Linux 5.3) the check cannot race: a pidfd is opened for the pid, the process behind the
     * pid is checked against the identity's start time, and the signal goes through
     * {@code pidfd_send_signal(2)} to the process the pidfd was opened on; if that process has died since, the
     * kernel answers ESRCH instead of signalling whoever reuses the pid. Without pidfds the check is followed
     * by {@code kill(2)}, and a window of microseconds remains.
     *
     * @throws StaleProcessException if the process has exited and its pid is free or recycled; nothing is sent
     * @throws PosixException        with EPERM if this process may not signal the target
     */
    public static void kill(ProcessIdentity target, Signal signal) {
        String action = "send " + signal.name();
        int pidfd = Pidfd.open(target.pid());
        if (pidfd == Pidfd.NO_PROCESS) {
            throw new StaleProcessException(target, ProcStat.startTime(target.pid()), action);
        }
        try {
            long now = ProcStat.read(target.pid()).map(StatLine::startTime).orElse(-1L);
            if (now != target.startTimeTicks()) {
                throw new StaleProcessException(target, now, action);
            }
            int errno;
            if (pidfd == Pidfd.UNSUPPORTED) {
                errno = Native.posix().kill(target.pid(), signal.number()) == 0 ? 0 : Native.errno();
            } else {
                errno = Pidfd.sendSignal(pidfd, signal.number());
            }
            if (errno == Errno.ESRCH.number()) {
                throw new StaleProcessException(target, ProcStat.startTime(target.pid()), action);
            }
            if (errno != 0) {
                throw new PosixException((pidfd == Pidfd.UNSUPPORTED ? "kill(" + target.pid() : "pidfd_send_signal(pidfd of " + target.pid())
                        + ", " + signal.name() + ")", errno);
            }
        } finally {
            Pidfd.close(pidfd);
        }
    }

    static void checkChangeable(Signal signal, String call) {
        int n = signal.number();
        if (signal.isUncatchable()) {
            throw new IllegalArgumentException(call + "(" + signal.name() + "): " + signal.name()
                    + " cannot be caught, blocked or ignored; the kernel keeps its default action (sigaction(2) answers EINVAL)");
        }
        if (n == 32 || n == 33) {
            throw new IllegalArgumentException(call + "(" + signal.name() + "): signals 32 and 33 are reserved by glibc "
                    + "for its thread implementation; use Signal.realtime(n) (SIGRTMIN = 34) instead");
        }
        if (n == 4 || n == 5 || n == 7 || n == 8 || n == 11) {
            throw new IllegalArgumentException(call + "(" + signal.name() + "): the JVM handles " + signal.name()
                    + " itself (null checks, safepoints, stack banging); changing it would crash the JVM");
        }
    }

    private static SignalDisposition replace(Signal signal, long handler, boolean replaceHandler, String call) {
        SignalDisposition current = disposition(signal);
        if (current.hasHandler() && !replaceHandler) {
            throw new IllegalStateException(call + "(" + signal.name() + "): a handler is installed (" + current
                    + "), most likely the JVM's; replacing it would silently disable its owner. Pass replaceHandler=true "
                    + "to do it anyway and restore(previous) afterwards");
        }
        return install(signal, LinuxStructs.sigaction(handler, 0), call);
    }

    /**
     * {@code rt_sigaction(sig, act, &old)}: the one place a disposition changes. The raw system call, so that
     * exactly the given handler, flags, mask and restorer reach the kernel (glibc would add SA_RESTORER).
     */
    static SignalDisposition install(Signal signal, Pointer act, String call) {
        Pointer old = LinuxStructs.allocate(LinuxStructs.SIGACTION_SIZE);
        call(call + ": rt_sigaction(" + signal.name() + ", &act, &old)", LinuxStructs.rtSigaction(signal.number(), act, old));
        return new SignalDisposition(signal, LinuxStructs.bytes(old, LinuxStructs.SIGACTION_SIZE));
    }

    private static void call(String call, int result) {
        if (result != 0) {
            throw new PosixException(call, Native.errno());
        }
    }
}
