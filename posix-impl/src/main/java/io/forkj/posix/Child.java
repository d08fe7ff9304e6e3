package io.forkj.posix;

import io.forkj.Posix;
import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.ProcessIdentity;
import io.forkj.Signal;
import io.forkj.WaitOption;
import io.forkj.WaitStatus;
import io.forkj.posix.internal.libc.Pidfd;
import io.forkj.posix.internal.children.ExitFuture;
import io.forkj.posix.internal.children.ChildPidfds;
import io.forkj.posix.internal.children.SharedPidfd;
import io.forkj.posix.internal.children.KnownChildren;
import io.forkj.posix.internal.fork.StallProbe;
import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcStat;
import io.forkj.posix.internal.proc.StartTimes;
import io.forkj.posix.internal.proc.StatLine;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A child this JVM created with {@link Fork} or {@link Spawn}: Python's pid plus {@code os.waitpid}, in the
 * shape of {@code java.lang.Process}. Thread-safe.
 *
 * <p>Only this handle reaps its child, always with {@code waitpid(pid, ...)} for that one pid (never
 * {@code waitpid(-1)}), and calls are serialized on a lock, so two threads waiting at once both get the status
 * and neither gets {@code ECHILD}. Waiting sleeps in {@code poll(2)} on the child's pidfd, which wakes when the
 * child exits; {@link #onExit()} hands that same pidfd (one per child) to the {@link ExitWatcher}'s thread. Signals go through the pidfd too, and {@link #kill(Signal)} refuses once the child is reaped: the pid
 * may then belong to another process.
 *
 * <p>A forked child has a deadline: any wait or poll that finds it passed with the child still alive kills it
 * with {@code SIGKILL}, reaps it and throws {@link ForkStallException}, now and on every later wait. A spawned
 * child runs an ordinary program and has no deadline.
 */
public final class Child {
    private static final Posix POSIX = Posix.get();
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final Duration KILL_GRACE = Duration.ofSeconds(10);
    /** How often a wait looks at a forked child in /proc for a stall: a stall is recognised within ~2 of these. */
    static final long PROBE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final int pid;
    private final ProcessIdentity identity;
    private final Duration deadline;
    private final long deadlineNanos;
    private final long startNanos;
    private volatile long lastProbeNanos;
    private final long allocationBudget;
    private final boolean gcBeforeFork;

    private final ReentrantLock reapLock = new ReentrantLock();
    private volatile WaitStatus status;
    private volatile ForkStallException stall;
    /** Completed by whichever thread reaps (or finds it stalled): observers never depend on who waited. */
    private final CompletableFuture<WaitStatus> reapedFuture = new CompletableFuture<>();

    private final boolean reapedByKernel;
    private Lifecycle lifecycle;

    private final Object lifecycleGuard = new Object();
    static {
        // A class, not a method reference: no invokedynamic call site to link here.
        ChildPidfds.install(new PidfdAccess());
    }

    private static final class PidfdAccess implements java.util.function.Function<Child, SharedPidfd> {
        @Override
        public SharedPidfd apply(Child child) {
            return child.pidfd;
        }
    }

    /** The child's one pidfd: this handle sleeps and signals through it, an {@link ExitWatcher} polls it. */
    private final SharedPidfd pidfd;
    private volatile CompletableFuture<WaitStatus> onExit;

    /**
     * Called right after the child was created, while it cannot yet have been reaped by this process. Its start
     * time comes from the {@code CLOCK_BOOTTIME} readings around its creation ({@link StartTimes#bracketed}) when
     * they share a clock tick and the pidfd shows the child still there, else from /proc.
     *
     * @param bootBefore {@link StartTimes#bootNanos()} just before the {@code fork}/{@code posix_spawn} call
     * @param bootAfter  the same just after it returned
     * @param deadline   null for a spawned child
     */
    Child(int pid, long startNanos, long bootBefore, long bootAfter, Duration deadline, long allocationBudget,
          boolean gcBeforeFork) {
        this.pid = pid;
        this.deadline = deadline;
        this.deadlineNanos = deadline == null ? 0 : startNanos + deadline.toNanos();
        this.startNanos = startNanos;
        this.lastProbeNanos = startNanos;
        this.allocationBudget = allocationBudget;
        this.gcBeforeFork = gcBeforeFork;
        this.pidfd = SharedPidfd.open(pid);
        // An open pidfd proves the child is not reaped yet (pidfd_open answers ESRCH for a reaped pid).
        long bracketed = pidfd.isOpen() ? StartTimes.bracketed(bootBefore, bootAfter) : -1;
        Optional<StatLine> stat = bracketed >= 0 ? Optional.empty() : ProcStat.read(pid);
        // Gone before we could look, though nobody waited: the kernel reaped it at exit because SIGCHLD is
        // ignored (SIG_IGN or SA_NOCLDWAIT). Its exit status is gone too; waits answer ECHILD, as in C.
        this.reapedByKernel = bracketed < 0 && stat.isEmpty();
        this.identity = new ProcessIdentity(pid, bracketed >= 0 ? bracketed : stat.map(StatLine::startTime).orElse(0L));
        if (!reapedByKernel) {
            KnownChildren.forked(identity);
        }
    }

    /**
     * The child's observed lifecycle (NEW, READY/RUNNING and BLOCKED, TERMINATED as a zombie, then reaped),
     * sampled from /proc on one daemon thread from the first call on; transitions before that call are not
     * seen. This handle tells it when it reaps the child.
     */
    public Lifecycle lifecycle() {
        synchronized (lifecycleGuard) {
            if (lifecycle == null) {
                lifecycle = Lifecycle.track(identity, true);
                if (status != null || reapedByKernel) {
                    lifecycle.reaped();
                }
            }
            return lifecycle;
        }
    }

    /** The child's process id (Python's return value of {@code os.fork()}). */
    public int pid() {
        return pid;
    }

    /** The child's pid and start time, which no later process with the same pid shares. */
    public ProcessIdentity identity() {
        return identity;
    }

    /** The deadline of a forked child, counted from the fork; empty for a spawned one. */
    public Optional<Duration> deadline() {
        return Optional.ofNullable(deadline);
    }

    /** {@link Fork#allocationBudget()} just before the fork; 0 for a spawned child. */
    public long allocationBudget() {
        return allocationBudget;
    }

    /**
     * A future that completes once this handle has reaped the child, whichever thread reaped it
     * ({@link #waitFor()}, {@link #poll()}, {@link #onExit()}'s watcher): with its status, exceptionally with the
     * {@link ForkStallException} when the child was killed at its deadline, or with the {@link PosixException}
     * ({@code ECHILD}) when something else reaped it. Unlike {@link #onExit()} it only observes: nothing reaps
     * the child for it, so it stays pending until some thread waits or polls (it costs no thread and no watch).
     * In C, what a {@code SIGCHLD} handler learns from {@code waitpid}.
     */
    public CompletableFuture<WaitStatus> whenReaped() {
        return reapedFuture.copy();
    }

    /**
     * A future that completes on its own once the child has exited and been reaped (Java's
     * {@code Process.onExit()}; Python's {@code multiprocessing} {@code sentinel}, asyncio's child watcher): the
     * first call hands the child to {@link ExitWatcher#shared()}, whose one thread polls the child's pidfd (this
     * handle's own, not a second one) and reaps through this handle, so it agrees with {@link #waitFor()} and
     * {@link #whenReaped()} whichever thread reaps first. It completes with the {@link WaitStatus}; exceptionally
     * with {@link ForkStallException} when a forked child stalled or passed its deadline (it was killed and
     * reaped), or with the {@link PosixException} ({@code ECHILD}) when something else reaped it. Each call returns
     * a new future (completing it does not affect the child or other callers). A thread blocked in its
     * {@code get()} or {@code join()} waits for the exit itself, as C's {@code waitpid} does, instead of waiting to
     * be woken by the watcher thread; callbacks run on whichever thread reaps (the watcher's or such a waiter), so
     * attach slow work with the {@code *Async} methods.
     */
    public CompletableFuture<WaitStatus> onExit() {
        CompletableFuture<WaitStatus> shared = onExit;
        if (shared == null) {
            // No lock of this handle held here: watching may reap through the handle. Racing first calls get the
            // same watch entry's future (or both the reaped one), so either may be kept.
            shared = ExitWatcher.shared().watch(this);
            onExit = shared;
        }
        // Its blocking get() waits for the exit in the caller's thread (through this handle) rather than for the
        // watcher thread to wake it: one wake-up less between the exit and the waiter.
        CompletableFuture<WaitStatus> mine = new ExitFuture(this::awaitForFuture);
        shared.whenComplete((status, failure) -> {
            if (failure != null) {
                mine.completeExceptionally(failure instanceof java.util.concurrent.CompletionException
                        && failure.getCause() != null ? failure.getCause() : failure);
            } else {
                mine.complete(status);
            }
        });
        return mine;
    }

    private void awaitForFuture(boolean bounded, long untilNanos) throws InterruptedException {
        try {
            await(bounded, untilNanos);
        } catch (RuntimeException reportedThroughTheFuture) {
            // a stall or ECHILD: whenReaped() fails the watch's future, and so the caller's, with it
        }
    }

    /** For {@link ExitWatcher}: the pidfd this handle owns, which the watcher polls instead of opening another. */
    SharedPidfd sharedPidfd() {
        return pidfd;
    }

    /**
     * The status once the child has been reaped, without any system call; empty while it has not. It is
     * {@link WaitStatus.Exited} or {@link WaitStatus.Signaled}: what C's {@code waitpid} stored in
     * {@code status}, Python's {@code Popen.returncode} once set.
     */
    public Optional<WaitStatus> status() {
        return Optional.ofNullable(status);
    }

    /**
     * {@link #status()} under its former name.
     *
     * @deprecated use {@link #status()}: the status is not always an exit (a signal death is one too)
     */
    @Deprecated
    public Optional<WaitStatus> exitStatus() {
        return status();
    }

    /**
     * Waits until the child terminates and returns its status (Python's {@code os.waitpid(pid, 0)}, Java's
     * {@code Process.waitFor()}). For a forked child the wait ends at its deadline at the latest.
     *
     * @throws ForkStallException   if the deadline passed first; the child was killed and reaped
     * @throws InterruptedException if the thread was interrupted; the child is left as it was
     * @throws PosixException       with {@code ECHILD} if something else reaped the child (a {@code waitpid(-1)}
     *                              elsewhere, or {@code SIGCHLD} set to {@code SIG_IGN})
     */
    public WaitStatus waitFor() throws InterruptedException {
        return await(false, 0).orElseThrow();
    }

    /**
     * Waits at most {@code timeout} for the child to terminate.
     *
     * @return the status, or empty if the timeout passed first (the child is still running)
     * @throws ForkStallException   if the child's deadline passed first; it was killed and reaped
     * @throws InterruptedException if the thread was interrupted
     */
    public Optional<WaitStatus> waitFor(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return await(true, System.nanoTime() + Math.max(0, timeout.toNanos()));
    }

    /**
     * {@code waitpid(pid, WNOHANG)}: the status if the child has terminated (reaping it), else empty.
     *
     * @throws ForkStallException if the child's deadline has passed; it was killed and reaped
     */
    public Optional<WaitStatus> poll() {
        if (!tryReap() && deadline != null) {
            if (System.nanoTime() - deadlineNanos >= 0) {
                enforceDeadline();
            } else {
                probeStall();
            }
        }
        if (status != null) {
            rethrowSettledStall();
        } else {
            rethrowStall();
        }
        return Optional.ofNullable(status);
    }

    /**
     * Sends {@code signal} to the child (Python's {@code os.kill(pid, sig)}), through its pidfd where the
     * kernel has them.
     *
     * @throws IllegalStateException if the child has been reaped: its pid may now name another process
     * @throws PosixException        if the kernel refuses
     */
    public void kill(Signal signal) {
        Objects.requireNonNull(signal, "signal");
        reapLock.lock();
        try {
            if (status != null) {
                throw new IllegalStateException("child " + pid + " was already reaped (" + status
                        + "): not sending " + signal + ", its pid may belong to another process now");
            }
            // Holding the reap lock, this handle cannot reap the child meanwhile; the pidfd also guards
            // against anyone else having reaped it.
            int fd = pidfd.acquire();
            if (fd >= 0) {
                try {
                    int errno = Pidfd.sendSignal(fd, signal.number());
                    if (errno != 0) {
                        throw new PosixException("pidfd_send_signal(" + pid + ", " + signal.name() + ")", errno);
                    }
                } finally {
                    pidfd.release();
                }
            } else {
                POSIX.kill(pid, signal);
            }
        } finally {
            reapLock.unlock();
        }
    }

    @Override
    public String toString() {
        WaitStatus s = status;
        return "Child[pid=" + pid + (s == null ? ", running" : ", " + s) + "]";
    }

    private Optional<WaitStatus> await(boolean bounded, long untilNanos) throws InterruptedException {
        while (true) {
            rethrowStall();
            if (tryReap()) {
                rethrowSettledStall();
                return Optional.of(status);
            }
            long now = System.nanoTime();
            if (deadline != null && now - deadlineNanos >= 0) {
                enforceDeadline();
                continue;
            }
            if (deadline != null && probeStall()) {
                continue;
            }
            if (bounded && now - untilNanos >= 0) {
                return Optional.empty();
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for child " + pid);
            }
            long slice = SLICE_NANOS;
            if (deadline != null) {
                slice = Math.min(Math.min(slice, PROBE_NANOS), deadlineNanos - now);
            }
            if (bounded) {
                slice = Math.min(slice, untilNanos - now);
            }
            sleepUntilExit(slice);
        }
    }

    /** Sleeps until the child exits or {@code nanos} pass: poll(2) on the pidfd, or a short sleep without one. */
    private void sleepUntilExit(long nanos) throws InterruptedException {
        int millis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
        int fd = pidfd.acquire();
        if (fd < 0) {
            Thread.sleep(Math.min(millis, 5));
            return;
        }
        try {
            Pidfd.awaitExit(fd, millis);
        } finally {
            pidfd.release();
        }
    }

    /** {@code waitpid(pid, WNOHANG)} under the lock; true once the child is reaped. */
    private boolean tryReap() {
        if (status != null) {
            return true;
        }
        reapLock.lock();
        try {
            if (status == null) {
                WaitStatus s;
                try {
                    s = POSIX.waitpid(pid, WaitOption.WNOHANG);
                } catch (PosixException reapedElsewhere) {
                    pidfd.retire(); // nobody will reap it through this handle: do not keep its pidfd open
                    reapedFuture.completeExceptionally(reapedElsewhere);
                    throw reapedElsewhere;
                }
                if (s.isTerminated()) {
                    reaped(s);
                    reapedFuture.complete(s);
                }
            }
            return status != null;
        } finally {
            reapLock.unlock();
        }
    }

    /**
     * The one place a status is recorded (under the reap lock). The caller then completes {@link #reapedFuture}:
     * with the status, or with the stall when the deadline killed the child.
     */
    private void reaped(WaitStatus s) {
        status = s;
        KnownChildren.reaped(pid);
        synchronized (lifecycleGuard) {
            if (lifecycle != null) {
                lifecycle.reaped();
            }
        }
        pidfd.retire();
    }

    /**
     * At most every {@link #PROBE_NANOS}: if /proc proves the forked child blocked for ever ({@link StallProbe}),
     * kills and reaps it and records the stall at once, without waiting for the deadline.
     *
     * @return true if a stall was recorded
     */
    private boolean probeStall() {
        long now = System.nanoTime();
        if (now - lastProbeNanos < PROBE_NANOS || status != null || stall != null) {
            return false;
        }
        lastProbeNanos = now;
        Optional<String> evidence = StallProbe.stalled(pid);
        if (evidence.isEmpty()) {
            return false;
        }
        reapLock.lock();
        try {
            if (stall == null && status == null && killAndReap()) {
                String wchan = waitChannel();
                stall = new ForkStallException(pid, deadline, allocationBudget, gcBeforeFork, now - startNanos, true,
                        wchan, evidence.get());
                reapedFuture.completeExceptionally(stall);
            }
        } finally {
            reapLock.unlock();
        }
        return stall != null;
    }

    /** {@code /proc/PID/wchan}, evidence only: "" when unreadable. */
    private String waitChannel() {
        return ProcFs.readOrEmpty(ProcFs.system().pid(pid, "wchan")).trim();
    }

    /**
     * For {@link Fork}: the child stalled before its body started and will be replaced by a new one, so nobody
     * ever sees this handle. Kills and reaps it; returns its wait channel as seen before the kill.
     */
    String discardStalledStart() {
        String wchan = waitChannel();
        reapLock.lock();
        try {
            killAndReap();
        } finally {
            reapLock.unlock();
        }
        return wchan;
    }

    /**
     * Kills the overdue child, reaps it and records the stall, which the caller then throws; records nothing
     * if the child turns out to have exited at the last moment.
     */
    private void enforceDeadline() {
        reapLock.lock();
        try {
            if (stall != null) {
                return;
            }
            char state = '?';
            try {
                state = ProcStat.read(pid).map(StatLine::state).orElse('?');
            } catch (RuntimeException unreadable) {
                // Evidence only; the kill below matters.
            }
            String wchan = waitChannel();
            if (status != null || killAndReap()) {
                stall = new ForkStallException(pid, deadline, allocationBudget, gcBeforeFork, state, wchan);
                reapedFuture.completeExceptionally(stall);
            }
        } finally {
            reapLock.unlock();
        }
    }

    /**
     * Under the reap lock: SIGKILLs the child and reaps it (waiting up to {@link #KILL_GRACE}).
     *
     * @return false if it had exited on its own just before (then it is reaped and its status recorded as usual)
     */
    private boolean killAndReap() {
        try {
            return killAndReapOrFail();
        } catch (PosixException gone) {
            // ECHILD from waitpid, ESRCH from kill: the kernel reaped it already, because SIGCHLD is ignored (a
            // child that gave up before its body because a JVM lock was held exits on its own).
            if (gone.errno() == Errno.ECHILD.number() || gone.errno() == Errno.ESRCH.number()) {
                return true;
            }
            throw gone;
        }
    }

    private boolean killAndReapOrFail() {
        if (status != null) {
            return true;
        }
        WaitStatus s = POSIX.waitpid(pid, WaitOption.WNOHANG);
        if (s.isTerminated()) {
            reaped(s);
            reapedFuture.complete(s);
            return false;
        }
        int fd = pidfd.acquire();
        try {
            if (fd < 0 || Pidfd.sendSignal(fd, Signal.SIGKILL.number()) != 0) {
                POSIX.kill(pid, Signal.SIGKILL);
            }
            long end = System.nanoTime() + KILL_GRACE.toNanos();
            while (status == null && System.nanoTime() - end < 0) {
                if (fd >= 0) {
                    Pidfd.awaitExit(fd, 100);
                } else {
                    Thread.onSpinWait();
                }
                WaitStatus killed = POSIX.waitpid(pid, WaitOption.WNOHANG);
                if (killed.isTerminated()) {
                    reaped(killed);
                }
            }
        } finally {
            if (fd >= 0) {
                pidfd.release();
            }
        }
        return true;
    }

    /**
     * For a thread that found the child reaped: a kill for a stall or a deadline records the status first and the
     * stall after it, in one critical section under the reap lock, so a thread that saw the status without the lock
     * waits for that section to end before it looks for the stall. Otherwise it could return the kill's -9 as
     * the child's own status (seen: a join racing another thread's poll, 2 of 4 times on JDK 17).
     */
    private void rethrowSettledStall() {
        if (deadline != null && stall == null) {
            reapLock.lock();
            reapLock.unlock();
        }
        rethrowStall();
    }

    private void rethrowStall() {
        ForkStallException s = stall;
        if (s != null) {
            throw new ForkStallException(s);
        }
    }
}
