package io.forkj.posix;

import io.forkj.WaitStatus;
import io.forkj.posix.internal.children.ExitWatchLoop;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Child-exit notification that never steals another owner's children: each watched child is waited for by
 * its own pid, never with {@code waitpid(-1)}, and no {@code SIGCHLD} handler is installed, so
 * {@code java.lang.Process} children and children other code waits for are left alone. One thread serves every
 * watched child. {@link Child#onExit()} is the usual way in; this class is for a raw pid, or a watcher of one's
 * own.
 *
 * <p>{@link Mechanism#PIDFD} (Linux 5.3+): one pidfd per child, all in one {@code poll(2)}; a pidfd becomes
 * readable when its process exits. A {@link Child}'s pidfd is the handle's own (no second one is opened) and the
 * handle reaps; a raw pid is reaped with {@code waitid(P_PIDFD, pidfd, WEXITED | WNOHANG)}
 * ({@code waitpid(pid, WNOHANG)} before Linux 5.4). {@link Mechanism#POLLING} is the fallback for older
 * kernels: {@code waitpid(pid, WNOHANG)} over the tracked pids every {@link #POLL_INTERVAL}.
 *
 * <p>Python has no direct equivalent; in C this is the pidfd + epoll loop of systemd's sd-event, or asyncio's
 * {@code PidfdChildWatcher}. A thread blocked in a future's {@code get()} or {@code join()} waits for the exit
 * itself (it sleeps on the pidfd and reaps, as {@code waitpid} would), so one wake-up, not two, lies between the
 * exit and that thread. Callbacks run on whichever thread reaps, usually the watcher's: attach slow work with the
 * {@code *Async} methods so the thread stays free.
 */
public final class ExitWatcher implements AutoCloseable {
    /** How exits are detected. */
    public enum Mechanism {
        /** {@code pidfd_open} + {@code poll}: the kernel wakes the thread on exit. Linux 5.3+. */
        PIDFD,
        /** {@code waitpid(pid, WNOHANG)} over the tracked pids every {@link #POLL_INTERVAL}. Any kernel. */
        POLLING
    }

    /** The period of {@link Mechanism#POLLING}. */
    public static final Duration POLL_INTERVAL = Duration.ofMillis(ExitWatchLoop.POLL_MILLIS);

    private static ExitWatcher shared;

    private final Mechanism mechanism;
    private final ExitWatchLoop loop;

    private ExitWatcher(Mechanism mechanism) {
        this.mechanism = mechanism;
        this.loop = new ExitWatchLoop(mechanism == Mechanism.PIDFD);
    }

    /** The JVM-wide watcher, started on first use with {@link Mechanism#PIDFD} if the kernel has it. */
    public static synchronized ExitWatcher shared() {
        if (shared == null) {
            shared = new ExitWatcher(pidfdSupported() ? Mechanism.PIDFD : Mechanism.POLLING);
        }
        return shared;
    }

    /**
     * A new watcher with its own thread; {@link #close()} it when done.
     *
     * @throws UnsupportedOperationException for {@link Mechanism#PIDFD} on a kernel without {@code pidfd_open}
     */
    public static ExitWatcher start(Mechanism mechanism) {
        Objects.requireNonNull(mechanism, "mechanism");
        if (mechanism == Mechanism.PIDFD && !pidfdSupported()) {
            throw new UnsupportedOperationException("pidfd_open(2) answers ENOSYS: this kernel is older than 5.3; "
                    + "use Mechanism.POLLING");
        }
        return new ExitWatcher(mechanism);
    }

    /** Whether {@code pidfd_open(2)} exists on this kernel (Linux 5.3+). */
    public static boolean pidfdSupported() {
        return ExitWatchLoop.pidfdSupported();
    }

    /** The mechanism this watcher uses. */
    public Mechanism mechanism() {
        return mechanism;
    }

    /** How many children are watched and not yet reaped. */
    public int watching() {
        return loop.watching();
    }

    /**
     * Watches child {@code pid} (one this JVM created some other way than {@link Fork}/{@link Spawn}): the
     * future completes once, with its {@link WaitStatus.Exited} or {@link WaitStatus.Signaled}, after this
     * watcher has reaped it (C's {@code waitpid(pid, &status, 0)} on a thread of its own). Watching the same pid
     * again returns the same future. The pid is recorded as forkj's, so the signals module's {@code Reaper}
     * leaves it alone.
     *
     * @throws IllegalArgumentException if {@code pid <= 0}, if {@code pid} is not an unreaped child of this
     *                                  process, or if another thread of this JVM is already blocked waiting
     *                                  for it (a {@code java.lang.Process}: use {@code Process.onExit()})
     * @throws IllegalStateException    after {@link #close()}
     */
    public CompletableFuture<WaitStatus> watch(int pid) {
        return loop.watchPid(pid);
    }

    /**
     * Watches a child made by {@link Fork} or {@link Spawn}: the future completes once with its status
     * ({@link Child#onExit()} on the shared watcher). The handle stays the one that reaps (its waits are
     * serialized under its own lock), so {@code child.waitFor()} and this future agree; this watcher polls the
     * handle's own pidfd and, when it turns readable, asks the handle to reap. The future follows
     * {@link Child#whenReaped()}, so it completes whichever thread reaps. While a forked child is watched, the
     * watcher polls its handle every 50 ms, so a child provably stalled (see {@link Fork}) or past its deadline
     * completes the future with {@link ForkStallException} without anyone waiting on the handle.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public CompletableFuture<WaitStatus> watch(Child child) {
        Objects.requireNonNull(child, "child");
        return loop.watchHandle(child, child.sharedPidfd());
    }

    /**
     * Stops the thread. Children still watched are not reaped: their futures fail with
     * {@link IllegalStateException} and they remain this process's children to reap. The shared watcher cannot
     * be closed.
     */
    @Override
    public void close() {
        synchronized (ExitWatcher.class) {
            if (this == shared) {
                throw new IllegalStateException("the shared ExitWatcher lives as long as the JVM");
            }
        }
        loop.close();
    }
}
