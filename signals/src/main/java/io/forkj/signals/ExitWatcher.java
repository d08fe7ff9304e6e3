package io.forkj.signals;

import io.forkj.posix.internal.PollFds;
import io.forkj.posix.internal.LinuxLibC;
import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.internal.Arguments;
import io.forkj.posix.internal.KnownChildren;
import io.forkj.posix.internal.Native;
import io.forkj.signals.internal.ChildScan;
import io.forkj.signals.internal.LinuxStructs;
import io.forkj.posix.internal.Pidfd;
import jnr.ffi.Pointer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.Queue;

/**
 * Child-exit notification that never steals another owner's children: each watched child is waited for by
 * its own pid, never with {@code waitpid(-1)}, so {@code java.lang.Process} children and children other code
 * waits for are left alone. One thread serves every watched child.
 *
 * <p>{@link Mechanism#PIDFD} (Linux 5.3+): {@code pidfd_open(pid)} per child, all pidfds in one {@code poll(2)};
 * a pidfd becomes readable when its process exits, and the child is reaped with
 * {@code waitid(P_PIDFD, pidfd, WEXITED | WNOHANG)} ({@code waitpid(pid, WNOHANG)} before Linux 5.4).
 * {@link Mechanism#POLLING} is the fallback for older kernels: {@code waitpid(pid, WNOHANG)} over the tracked
 * pids every few milliseconds. A pipe wakes the thread when a pid is added.
 *
 * <p>Python has no direct equivalent; in C this is the pidfd + epoll loop of systemd's sd-event, or asyncio's
 * {@code PidfdChildWatcher}. The futures complete on the watcher thread: attach slow work with the
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
    public static final Duration POLL_INTERVAL = Duration.ofMillis(5);

    private static final int O_NONBLOCK = 0x800;
    private static final int STALL_LOOK_MILLIS = 50;
    private static final int O_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;
    private static ExitWatcher shared;

    private final Mechanism mechanism;
    private final Map<Integer, Entry> entries = new ConcurrentHashMap<>();
    /** Finished entries whose pidfd the watcher thread closes when it next rebuilds its poll set. */
    private final Queue<Entry> retired = new ConcurrentLinkedQueue<>();
    private final Object lock = new Object();
    private final int wakeRead;
    private final int wakeWrite;
    private final byte[] wakeByte = {1};
    private final Thread thread;
    private volatile boolean dirty;
    private volatile boolean closed;
    private boolean waitidByPidfd = true;

    private static final class Entry {
        final int pid;
        final int pidfd;
        /** Set for a guarded-fork or spawn handle, which reaps its own child: the watcher only wakes it. */
        final Child child;
        final CompletableFuture<WaitStatus> future = new CompletableFuture<>();

        Entry(int pid, int pidfd, Child child) {
            this.pid = pid;
            this.pidfd = pidfd;
            this.child = child;
        }
    }

    private ExitWatcher(Mechanism mechanism) {
        this.mechanism = mechanism;
        int[] fds = new int[2];
        if (Native.libc().pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
            throw new PosixException("pipe2(O_NONBLOCK | O_CLOEXEC)", Native.errno());
        }
        wakeRead = fds[0];
        wakeWrite = fds[1];
        thread = new Thread(this::run, "forkj-exit-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    /** The JVM-wide watcher, started on first use with {@link Mechanism#PIDFD} if the kernel has it. */
    public static synchronized ExitWatcher shared() {
        if (shared == null) {
            shared = start(pidfdSupported() ? Mechanism.PIDFD : Mechanism.POLLING);
        }
        return shared;
    }

    /**
     * A new watcher with its own thread; {@link #close()} it when done.
     *
     * @throws UnsupportedOperationException for {@link Mechanism#PIDFD} on a kernel without {@code pidfd_open}
     */
    public static ExitWatcher start(Mechanism mechanism) {
        if (mechanism == Mechanism.PIDFD && !pidfdSupported()) {
            throw new UnsupportedOperationException("pidfd_open(2) answers ENOSYS: this kernel is older than 5.3; "
                    + "use Mechanism.POLLING");
        }
        return new ExitWatcher(mechanism);
    }

    /** Whether {@code pidfd_open(2)} exists on this kernel (Linux 5.3+). */
    public static boolean pidfdSupported() {
        int fd = Pidfd.open(Native.posix().getpid());
        Pidfd.close(fd);
        return fd != Pidfd.UNSUPPORTED;
    }

    /** The mechanism this watcher uses. */
    public Mechanism mechanism() {
        return mechanism;
    }

    /** How many children are watched and not yet reaped. */
    public int watching() {
        return entries.size();
    }

    /**
     * Watches child {@code pid}: the future completes once, with its {@link WaitStatus.Exited} or
     * {@link WaitStatus.Signaled}, after this watcher has reaped it. Watching the same pid again returns the
     * same future. The pid is recorded as forkj's, so a {@link Reaper} leaves it alone.
     *
     * @throws IllegalArgumentException if {@code pid <= 0}, if {@code pid} is not an unreaped child of this
     *                                  process, or if another thread of this JVM is already blocked waiting
     *                                  for it (a {@code java.lang.Process}: use {@code Process.onExit()})
     * @throws IllegalStateException    after {@link #close()}
     */
    public CompletableFuture<WaitStatus> watch(int pid) {
        Arguments.singlePid("watch", pid, "one watch per child");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("this ExitWatcher is closed");
            }
            Entry existing = entries.get(pid);
            if (existing != null) {
                return existing.future;
            }
            int pidfd = -1;
            if (mechanism == Mechanism.PIDFD) {
                pidfd = Pidfd.open(pid);
                if (pidfd < 0) {
                    throw notAChild(pid, "no process has this pid");
                }
            }
            try {
                checkWaitable(pid, pidfd);
            } catch (RuntimeException e) {
                Pidfd.close(pidfd);
                throw e;
            }
            KnownChildren.forked(pid);
            return add(new Entry(pid, pidfd, null));
        }
    }

    /**
     * Watches a child made by {@code Fork.run} or {@code Spawn}: the future completes once with its status. The
     * handle stays the one that reaps (its waits are serialized under its own lock), so {@code child.waitFor()}
     * and this future agree; the watcher's thread only notices the exit and asks the handle to reap. The future
     * follows {@link Child#whenReaped()}, so it completes whichever thread reaps, even one that reaped between
     * this call's look at the handle and the watcher's first poll. While a forked
     * child is watched, the watcher polls its handle every 50 ms, so a child provably stalled (see
     * {@code Fork}) or past its deadline completes the future with {@link io.forkj.posix.ForkStallException}
     * without anyone waiting on the handle.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public CompletableFuture<WaitStatus> watch(Child child) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("this ExitWatcher is closed");
            }
            Entry existing = entries.get(child.pid());
            if (existing != null) {
                return existing.future;
            }
            CompletableFuture<WaitStatus> reaped = child.whenReaped();
            if (reaped.isDone()) {
                return reaped;
            }
            // ESRCH here means the handle has reaped the child since whenReaped() was taken: its future
            // completes the entry, so no pidfd is needed (and a negative fd never reaches poll).
            int pidfd = mechanism == Mechanism.PIDFD ? Pidfd.open(child.pid()) : -1;
            Entry entry = new Entry(child.pid(), pidfd, child);
            CompletableFuture<WaitStatus> future = add(entry);
            // Whoever reaps (this thread through the handle, or a waitFor elsewhere) completes the entry.
            reaped.whenComplete((status, failure) -> {
                finish(entry);
                if (failure != null) {
                    entry.future.completeExceptionally(failure instanceof java.util.concurrent.CompletionException
                            && failure.getCause() != null ? failure.getCause() : failure);
                } else {
                    entry.future.complete(status);
                }
            });
            if (mechanism == Mechanism.PIDFD && pidfd < 0) {
                // No process has the pid any more: look at the handle again. It has reaped the child (its
                // future completes the entry) or something else did (its poll answers ECHILD, which fails it).
                reapThroughHandle(entry);
            }
            return future;
        }
    }

    private CompletableFuture<WaitStatus> add(Entry entry) {
        entries.put(entry.pid, entry);
        dirty = true;
        wake();
        return entry.future;
    }

    /**
     * For a handle's child: lets the handle reap; true if the entry belongs to a handle. The handle's
     * {@link Child#whenReaped()} completes the entry, whichever thread reaps.
     */
    private boolean reapThroughHandle(Entry e) {
        if (e.child == null) {
            return false;
        }
        try {
            e.child.poll();
        } catch (RuntimeException stalledOrFailed) {
            // Also reported through whenReaped(), which completes the entry.
        }
        return true;
    }

    private void checkWaitable(int pid, int pidfd) {
        Pointer info = LinuxStructs.allocate(LinuxStructs.SIGINFO_SIZE);
        int idtype = pidfd >= 0 ? LinuxStructs.P_PIDFD : LinuxStructs.P_PID;
        int id = pidfd >= 0 ? pidfd : pid;
        int options = LinuxStructs.WEXITED | LinuxStructs.WNOHANG | LinuxStructs.WNOWAIT;
        int r = Native.libc().waitid(idtype, id, info, options);
        if (r != 0 && Native.errno() == Errno.EINVAL.number() && idtype == LinuxStructs.P_PIDFD) {
            r = Native.libc().waitid(LinuxStructs.P_PID, pid, info, options); // Linux 5.3 has no P_PIDFD
        }
        if (r != 0) {
            int errno = Native.errno();
            if (errno == Errno.ECHILD.number()) {
                throw notAChild(pid, "waitid answers ECHILD");
            }
            throw new PosixException("waitid(" + (pidfd >= 0 ? "P_PIDFD" : "P_PID") + ", " + pid + ", WNOWAIT)", errno);
        }
        if (ChildScan.awaited().contains(pid)) {
            throw new IllegalArgumentException("watch(" + pid + "): another thread of this JVM is blocked waiting for "
                    + "pid " + pid + " (the JDK's process reaper for a java.lang.Process, or code calling waitpid); "
                    + "watching it too would race for its exit status. Use Process.onExit() for java.lang.Process");
        }
    }

    private static IllegalArgumentException notAChild(int pid, String why) {
        return new IllegalArgumentException("watch(" + pid + "): pid " + pid + " is not an unreaped child of this "
                + "process (" + why + "); only a parent can wait for a process");
    }

    private void wake() {
        Native.libc().write(wakeWrite, wakeByte, 1);
    }

    private void run() {
        try {
            if (mechanism == Mechanism.PIDFD) {
                runPidfd();
            } else {
                runPolling();
            }
        } catch (Throwable t) {
            closed = true;
            for (Entry e : entries.values()) {
                e.future.completeExceptionally(new IllegalStateException("ExitWatcher thread failed; pid " + e.pid
                        + " is still an unreaped child", t));
            }
        } finally {
            shutdown();
        }
    }

    private void runPidfd() {
        Pointer info = LinuxStructs.allocate(LinuxStructs.SIGINFO_SIZE);
        Entry[] polled = new Entry[0];
        Pointer pollfds = PollFds.one(wakeRead, PollFds.POLLIN);
        int count = 1;
        byte[] drain = new byte[64];
        while (!closed) {
            if (dirty) {
                dirty = false;
                closeRetired();
                List<Entry> snapshot = new ArrayList<>();
                for (Entry e : entries.values()) {
                    if (e.pidfd >= 0) {
                        snapshot.add(e);
                    }
                }
                polled = snapshot.toArray(new Entry[0]);
                int[] fds = new int[polled.length + 1];
                fds[0] = wakeRead;
                for (int i = 0; i < polled.length; i++) {
                    fds[i + 1] = polled[i].pidfd;
                }
                count = fds.length;
                pollfds = PollFds.of(fds, count, PollFds.POLLIN);
            }
            // A forked child that stalls never exits: look at the watched ones every 50 ms, through their handles,
            // which recognise a stall from /proc and enforce the deadline.
            boolean forkedWatched = false;
            for (Entry e : polled) {
                forkedWatched |= e.child != null && e.child.deadline().isPresent();
            }
            int n = Native.libc().poll(pollfds, count, forkedWatched ? STALL_LOOK_MILLIS : -1);
            if (n == 0) {
                for (Entry e : polled) {
                    if (e.child != null && e.child.deadline().isPresent() && !e.future.isDone()) {
                        reapThroughHandle(e);
                    }
                }
                continue;
            }
            if (n < 0) {
                int errno = Native.errno();
                if (errno == Errno.EINTR.number()) {
                    continue;
                }
                throw new PosixException("poll(" + count + " fds)", errno);
            }
            if (PollFds.revents(pollfds, 0) != 0) {
                while (Native.libc().read(wakeRead, drain, drain.length) > 0) {
                    // empty the wake pipe; the byte count means nothing
                }
            }
            for (int i = 1; i < count; i++) {
                if (PollFds.revents(pollfds, i) != 0) {
                    reapPidfd(polled[i - 1], info);
                }
            }
            PollFds.clearRevents(pollfds, count);
        }
    }

    private void reapPidfd(Entry e, Pointer info) {
        if (e.future.isDone() || reapThroughHandle(e)) {
            return;
        }
        if (waitidByPidfd) {
            LinuxStructs.clearSiginfo(info);
            int r = Native.libc().waitid(LinuxStructs.P_PIDFD, e.pidfd, info, LinuxStructs.WEXITED | LinuxStructs.WNOHANG);
            if (r == 0) {
                deliver(e, LinuxStructs.waitStatus(info));
                return;
            }
            int errno = Native.errno();
            if (errno != Errno.EINVAL.number()) {
                fail(e, "waitid(P_PIDFD, pidfd of " + e.pid + ", WEXITED | WNOHANG)", errno);
                return;
            }
            waitidByPidfd = false; // Linux 5.3: pidfd_open without P_PIDFD
        }
        reapByPid(e);
    }

    private void closeRetired() {
        for (Entry e; (e = retired.poll()) != null; ) {
            Pidfd.close(e.pidfd);
        }
    }

    private void runPolling() {
        Pointer pollfds = PollFds.one(wakeRead, PollFds.POLLIN);
        byte[] drain = new byte[64];
        int timeout = (int) POLL_INTERVAL.toMillis();
        while (!closed) {
            if (Native.libc().poll(pollfds, 1, timeout) > 0) {
                while (Native.libc().read(wakeRead, drain, drain.length) > 0) {
                    // empty the wake pipe
                }
            }
            PollFds.clearRevents(pollfds, 1);
            for (Entry e : entries.values()) {
                reapByPid(e);
            }
        }
    }

    private final int[] rawStatus = new int[1];

    private void reapByPid(Entry e) {
        if (reapThroughHandle(e)) {
            return;
        }
        while (true) {
            int r = Native.posix().waitpid(e.pid, rawStatus, LinuxStructs.WNOHANG);
            if (r > 0) {
                deliver(e, WaitStatus.decode(r, rawStatus[0]));
                return;
            }
            if (r == 0) {
                return;
            }
            int errno = Native.errno();
            if (errno != Errno.EINTR.number()) {
                fail(e, "waitpid(" + e.pid + ", WNOHANG)", errno);
                return;
            }
        }
    }

    private void deliver(Entry e, WaitStatus status) {
        if (!status.isTerminated()) {
            return; // a spurious wake-up (or a stop report): still running
        }
        finish(e);
        e.future.complete(status);
    }

    private void fail(Entry e, String call, int errno) {
        finish(e);
        e.future.completeExceptionally(new PosixException(call, errno, errno == Errno.ECHILD.number()
                ? "pid " + e.pid + " was reaped by someone else (a waitpid(-1) or wait() elsewhere in this JVM?)" : null));
    }

    /**
     * Removes the entry; any thread may call it (a handle's reaping thread does). Its pidfd is closed by the
     * watcher thread when it rebuilds its poll set, never while a poll(2) may still hold the number.
     */
    private void finish(Entry e) {
        if (entries.remove(e.pid, e)) {
            if (e.child == null) {
                KnownChildren.reaped(e.pid);
            }
            if (e.pidfd >= 0) {
                retired.add(e);
                if (closed) {
                    closeRetired(); // the thread has stopped or is stopping: nobody else will
                }
            }
            dirty = true;
            if (Thread.currentThread() != thread) {
                wake();
            }
        }
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
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            wake();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void shutdown() {
        synchronized (lock) {
            closed = true;
            closeRetired();
            for (Entry e : entries.values()) {
                entries.remove(e.pid, e);
                Pidfd.close(e.pidfd);
                e.future.completeExceptionally(new IllegalStateException("ExitWatcher closed before pid " + e.pid
                        + " exited; it is still a child of this process: reap it"));
            }
            Native.posix().close(wakeRead);
            Native.posix().close(wakeWrite);
        }
    }
}
