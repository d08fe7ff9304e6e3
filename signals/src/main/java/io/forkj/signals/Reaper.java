package io.forkj.signals;

import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.ProcessIdentity;
import io.forkj.WaitStatus;
import io.forkj.posix.internal.children.KnownChildren;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.proc.ProcStat;
import io.forkj.signals.internal.ChildScan;
import io.forkj.signals.internal.LinuxStructs;
import jnr.ffi.Pointer;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reaps the orphans this process adopted as a {@link Subreaper}, as tini and dumb-init do for a container's
 * pid 1, and reports each with its {@link WaitStatus} — while leaving every child that has an owner alone.
 *
 * <p>tini calls {@code waitpid(-1)}; in a JVM that would steal the exit codes of {@code java.lang.Process}
 * children (the JDK then reports 0) and of children forkj code waits for. So this reaper never calls
 * {@code waitpid(-1)}. Every {@code interval} it lists this process's children
 * ({@code /proc/self/task/TID/children}) and reaps, with {@code waitid(P_PID, pid, WEXITED | WNOHANG)}, only a
 * child that
 * <ul>
 *   <li>forkj did not create: not in {@code KnownChildren} (every {@code Posix.fork()}, every
 *       {@link io.forkj.posix.ExitWatcher} pid), matched by pid and start time, and no forkj fork is between its
 *       call and the recording of its child (that child would look foreign for a moment; the scan leaves
 *       unrecorded children for the next one then);</li>
 *   <li>was not {@linkplain #exclude excluded};</li>
 *   <li>has been a child for at least {@code grace} (a {@code java.lang.Process} started a moment ago may not
 *       have its JDK reaper thread waiting yet);</li>
 *   <li>no thread of this JVM is blocked waiting for (the JDK's "process reaper" thread waits in
 *       {@code waitpid(pid)} for each {@code java.lang.Process} child its whole life).</li>
 * </ul>
 * The kernel keeps no "original parent", so "adopted" is inferred as "a child nobody here owns". Residual risk:
 * a {@code java.lang.Process} whose JDK reaper thread is starved for longer than {@code grace}; raise grace
 * or {@link #exclude(Process)} it.
 */
public final class Reaper implements AutoCloseable {
    /** Receives each reaped orphan; called on the reaper thread. */
    @FunctionalInterface
    public interface Listener {
        /** {@code status} is {@link WaitStatus.Exited} or {@link WaitStatus.Signaled}, with the orphan's pid. */
        void reaped(WaitStatus status);
    }

    /** Default scan period. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(20);
    /** Default time a child must have been seen before it may be reaped. */
    public static final Duration DEFAULT_GRACE = Duration.ofMillis(200);

    private final Listener listener;
    private final long intervalMillis;
    private final long graceNanos;
    private final Set<Integer> excluded = ConcurrentHashMap.newKeySet();
    private final Map<ProcessIdentity, Long> firstSeen = new HashMap<>();
    private final AtomicLong reapedCount = new AtomicLong();
    private final Object sleep = new Object();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile Throwable failure;

    private Reaper(Listener listener, Duration interval, Duration grace) {
        this.listener = Objects.requireNonNull(listener, "listener");
        if (interval.isNegative() || interval.isZero() || grace.isNegative()) {
            throw new IllegalArgumentException("Reaper interval " + interval + " must be > 0 and grace " + grace + " >= 0");
        }
        this.intervalMillis = Math.max(1, interval.toMillis());
        this.graceNanos = grace.toNanos();
        this.thread = new Thread(this::run, "forkj-reaper");
        thread.setDaemon(true);
    }

    /** Starts a reaper with {@link #DEFAULT_INTERVAL} and {@link #DEFAULT_GRACE}. */
    public static Reaper start(Listener listener) {
        return start(listener, DEFAULT_INTERVAL, DEFAULT_GRACE);
    }

    /**
     * Starts a reaper thread.
     *
     * @param interval how often to scan the children
     * @param grace    how long a child must have been seen before it may be reaped
     * @throws IllegalArgumentException if {@code interval <= 0} or {@code grace < 0}
     */
    public static Reaper start(Listener listener, Duration interval, Duration grace) {
        Reaper r = new Reaper(listener, interval, grace);
        r.thread.start();
        return r;
    }

    /** Leaves child {@code pid} alone from now on (its owner reaps it). */
    public Reaper exclude(int pid) {
        io.forkj.posix.internal.libc.Arguments.singlePid("exclude", pid, "one exclude per pid");
        excluded.add(pid);
        return this;
    }

    /** Leaves this {@code java.lang.Process} alone, whatever the detection says. */
    public Reaper exclude(Process process) {
        return exclude((int) process.pid());
    }

    /** How many orphans this reaper has reaped. */
    public long reaped() {
        return reapedCount.get();
    }

    /** Whether the thread is running; false after {@link #close()} or a failure. */
    public boolean isRunning() {
        return thread.isAlive() && !stopped;
    }

    /** The error that stopped the thread, if one did. */
    public Throwable failure() {
        return failure;
    }

    /** Stops the thread, waiting for the current scan to end. Orphans adopted later stay unreaped. */
    @Override
    public void close() {
        stopped = true;
        synchronized (sleep) {
            sleep.notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Pointer info = LinuxStructs.allocate(LinuxStructs.SIGINFO_SIZE);
        long scans = 0;
        try {
            while (!stopped) {
                scan(info);
                if (++scans % 64 == 0) {
                    KnownChildren.prune();
                }
                synchronized (sleep) {
                    if (!stopped) {
                        sleep.wait(intervalMillis);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** One pass over the children; package-visible for nothing but clarity of the loop above. */
    private void scan(Pointer info) {
        List<Integer> children = ChildScan.children();
        Set<Integer> present = new HashSet<>(children);
        firstSeen.keySet().removeIf(id -> !present.contains(id.pid()));
        excluded.retainAll(present);
        long now = System.nanoTime();
        Set<Integer> awaited = null;
        for (int pid : children) {
            if (excluded.contains(pid)) {
                continue;
            }
            long start = ProcStat.startTime(pid);
            if (start < 0 || !KnownChildren.isForeign(pid, start)) {
                continue;
            }
            Long seen = firstSeen.putIfAbsent(new ProcessIdentity(pid, start), now);
            if (seen == null || now - seen < graceNanos) {
                continue;
            }
            if (awaited == null) {
                awaited = ChildScan.awaited();
            }
            if (awaited.contains(pid)) {
                continue;
            }
            reap(pid, start, info);
        }
    }

    private void reap(int pid, long start, Pointer info) {
        LinuxStructs.clearSiginfo(info);
        if (Native.libc().waitid(LinuxStructs.P_PID, pid, info, LinuxStructs.WEXITED | LinuxStructs.WNOHANG) != 0) {
            int errno = Native.errno();
            if (errno == Errno.ECHILD.number()) {
                firstSeen.remove(new ProcessIdentity(pid, start)); // its owner reaped it first
                return;
            }
            if (errno != Errno.EINTR.number()) {
                throw new PosixException("waitid(P_PID, " + pid + ", WEXITED | WNOHANG)", errno);
            }
            return;
        }
        WaitStatus status = LinuxStructs.waitStatus(info);
        if (status.isTerminated()) {
            firstSeen.remove(new ProcessIdentity(pid, start));
            reapedCount.incrementAndGet();
            try {
                listener.reaped(status);
            } catch (RuntimeException e) {
                // a listener's bug must not stop the reaping of everyone else
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        }
    }
}
