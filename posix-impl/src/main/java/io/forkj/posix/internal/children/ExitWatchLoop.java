package io.forkj.posix.internal.children;

import io.forkj.posix.internal.libc.Arguments;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.Pidfd;
import io.forkj.posix.internal.libc.PollFds;
import io.forkj.posix.internal.libc.Siginfo;

import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import jnr.ffi.Pointer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The machinery behind {@code io.forkj.posix.ExitWatcher} and {@code Child.onExit()}: one daemon thread that
 * learns of child exits without {@code SIGCHLD} and without {@code waitpid(-1)}, so it never steals another
 * owner's children. With pidfds it sleeps in one {@code poll(2)} over the watched children's pidfds (readable
 * once the process exits) plus a wake pipe; without them it runs {@code waitpid(pid, WNOHANG)} over the watched
 * pids every {@link #POLL_MILLIS}.
 *
 * <p>A {@link Child} is reaped through its handle (its waits are serialized on its own lock) and the loop polls
 * the handle's own {@link SharedPidfd}, holding one use of it from the watch until the entry is finished and
 * dropped from the poll set: the handle's reap retires the pidfd, but the number is closed only after this
 * thread let go of it, so a number the kernel has reused meanwhile is never in a poll set. A raw pid gets a
 * {@link SharedPidfd} of its own and is reaped here with {@code waitid(P_PIDFD)}.
 */
public final class ExitWatchLoop {
    /** The period of the polling mechanism, in milliseconds. */
    public static final int POLL_MILLIS = 5;

    private static final int O_NONBLOCK = 0x800;
    private static final int STALL_LOOK_MILLIS = 50;

    private final boolean pidfds;
    private final Map<Integer, Entry> entries = new ConcurrentHashMap<>();
    /** Finished entries whose pidfd use the watcher thread drops when it next rebuilds its poll set. */
    private final Queue<Entry> retired = new ConcurrentLinkedQueue<>();
    private final Object lock = new Object();
    private final int wakeRead;
    private final int wakeWrite;
    private final byte[] wakeByte = {1};
    private final Object wakeLock = new Object();
    private final Thread thread;
    private volatile boolean dirty;
    private volatile boolean closed;
    /** Set once the thread has left its poll loop for good: from then on any thread drops finished entries. */
    private volatile boolean stopped;
    /** False once the kernel answered EINVAL to P_PIDFD (Linux 5.3): reap by pid from then on. */
    private volatile boolean waitidByPidfd = true;
    /** The longest a thread blocked in {@code get()} sleeps in one poll, so that an interrupt is seen. */
    private static final int AWAIT_SLICE_MILLIS = 50;

    private static final class Entry {
        final int pid;
        final SharedPidfd pidfd;
        /** One use of {@link #pidfd} held from the watch until the watcher thread drops the entry; -1 if none. */
        final int fd;
        /** Set for a forked or spawned handle, which reaps its own child: the loop only wakes it. */
        final Child child;
        final ExitFuture future;
        /**
         * Threads sleeping on {@link #pidfd} in the future's {@code get()}/{@code join()}. While there is one, the
         * watcher thread leaves the entry to them: if the exit wakes it too, it drops the entry from its next poll
         * set instead of racing the waiter for the entry's lock, so the waiter reaps without waiting for it.
         */
        final AtomicInteger awaiters = new AtomicInteger();

        Entry(ExitWatchLoop loop, int pid, SharedPidfd pidfd, Child child) {
            this.pid = pid;
            this.pidfd = pidfd;
            this.fd = pidfd == null ? -1 : pidfd.acquire();
            this.child = child;
            this.future = new ExitFuture((bounded, until) -> loop.awaitHere(this, bounded, until));
        }

        /** Ends the loop's use of the pidfd; a raw pid's pidfd, owned by the loop alone, is retired first. */
        void dropPidfd() {
            if (pidfd == null) {
                return;
            }
            if (child == null) {
                pidfd.retire();
            }
            if (fd >= 0) {
                pidfd.release();
            }
        }
    }

    /**
     * Starts the thread.
     *
     * @param pidfds true for pidfd + poll (the caller checked the kernel has pidfds), false for polling
     */
    public ExitWatchLoop(boolean pidfds) {
        this.pidfds = pidfds;
        int[] fds = new int[2];
        if (Native.libc().pipe2(fds, O_NONBLOCK | LinuxLibC.Flags.O_CLOEXEC) != 0) {
            throw new PosixException("pipe2(O_NONBLOCK | O_CLOEXEC)", Native.errno());
        }
        wakeRead = fds[0];
        wakeWrite = fds[1];
        thread = new Thread(this::run, "forkj-exit-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether {@code pidfd_open(2)} exists on this kernel (Linux 5.3+). */
    public static boolean pidfdSupported() {
        int fd = Pidfd.open(Native.posix().getpid());
        Pidfd.close(fd);
        return fd != Pidfd.UNSUPPORTED;
    }

    /** How many children are watched and not yet reaped. */
    public int watching() {
        return entries.size();
    }

    /** See {@code io.forkj.posix.ExitWatcher.watch(int)}. */
    public CompletableFuture<WaitStatus> watchPid(int pid) {
        Arguments.singlePid("watch", pid, "one watch per child");
        synchronized (lock) {
            checkOpen();
            Entry existing = entries.get(pid);
            if (existing != null) {
                return existing.future;
            }
            SharedPidfd pidfd = null;
            if (pidfds) {
                pidfd = SharedPidfd.open(pid);
                if (!pidfd.isOpen()) {
                    throw notAChild(pid, "no process has this pid");
                }
            }
            Entry entry = new Entry(this, pid, pidfd, null);
            try {
                checkWaitable(pid, entry.fd);
            } catch (RuntimeException e) {
                entry.dropPidfd();
                throw e;
            }
            KnownChildren.forked(pid);
            return add(entry);
        }
    }

    /**
     * See {@code io.forkj.posix.ExitWatcher.watch(Child)}.
     *
     * @param pidfd the handle's own pidfd, which the loop polls
     */
    public CompletableFuture<WaitStatus> watchHandle(Child child, SharedPidfd pidfd) {
        synchronized (lock) {
            checkOpen();
            Entry existing = entries.get(child.pid());
            if (existing != null) {
                return existing.future;
            }
            CompletableFuture<WaitStatus> reaped = child.whenReaped();
            if (reaped.isDone()) {
                return reaped;
            }
            // A pidfd already retired (the handle reaped the child since whenReaped() was taken) gives fd -1:
            // the handle's future completes the entry, and no number is polled.
            Entry entry = new Entry(this, child.pid(), pidfds ? pidfd : null, child);
            CompletableFuture<WaitStatus> future = add(entry);
            // Whoever reaps (this thread through the handle, or a waitFor elsewhere) completes the entry.
            reaped.whenComplete((status, failure) -> {
                finish(entry);
                if (failure != null) {
                    entry.future.completeExceptionally(failure instanceof CompletionException
                            && failure.getCause() != null ? failure.getCause() : failure);
                } else {
                    entry.future.complete(status);
                }
            });
            if (pidfds && entry.fd < 0) {
                // No pidfd to poll: the handle has reaped the child (its future completes the entry), the kernel
                // did (SIGCHLD ignored: its poll answers ECHILD, which fails it), or it is about to.
                reapThroughHandle(entry);
            }
            return future;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this ExitWatcher is closed");
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
        Pointer info = Siginfo.allocate();
        int idtype = pidfd >= 0 ? Siginfo.P_PIDFD : Siginfo.P_PID;
        int id = pidfd >= 0 ? pidfd : pid;
        int options = Siginfo.WEXITED | Siginfo.WNOHANG | Siginfo.WNOWAIT;
        int r = Native.libc().waitid(idtype, id, info, options);
        if (r != 0 && Native.errno() == Errno.EINVAL.number() && idtype == Siginfo.P_PIDFD) {
            r = Native.libc().waitid(Siginfo.P_PID, pid, info, options); // Linux 5.3 has no P_PIDFD
        }
        if (r != 0) {
            int errno = Native.errno();
            if (errno == Errno.ECHILD.number()) {
                throw notAChild(pid, "waitid answers ECHILD");
            }
            throw new PosixException("waitid(" + (pidfd >= 0 ? "P_PIDFD" : "P_PID") + ", " + pid + ", WNOWAIT)", errno);
        }
        if (AwaitedPids.now().contains(pid)) {
            throw new IllegalArgumentException("watch(" + pid + "): another thread of this JVM is blocked waiting for "
                    + "pid " + pid + " (the JDK's process reaper for a java.lang.Process, or code calling waitpid); "
                    + "watching it too would race for its exit status. Use Process.onExit() for java.lang.Process");
        }
    }

    private static IllegalArgumentException notAChild(int pid, String why) {
        return new IllegalArgumentException("watch(" + pid + "): pid " + pid + " is not an unreaped child of this "
                + "process (" + why + "); only a parent can wait for a process");
    }

    /**
     * Wakes the watcher thread; once it has stopped, does nothing. Under {@link #wakeLock}, which closing the pipe
     * also takes ({@link #stopped} is set before that), so that a thread finishing an entry as the watcher shuts
     * down never writes to a closed number the kernel may have given to another file. Not under {@link #lock}: a
     * handle's reap calls this with the handle's lock held, and {@link #watchHandle} takes them in the other order.
     */
    private void wake() {
        synchronized (wakeLock) {
            if (!stopped) {
                Native.libc().write(wakeWrite, wakeByte, 1);
            }
        }
    }

    private void run() {
        try {
            if (pidfds) {
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
        Pointer info = Siginfo.allocate();
        Entry[] polled = new Entry[0];
        Pointer pollfds = PollFds.one(wakeRead, PollFds.POLLIN);
        int count = 1;
        byte[] drain = new byte[64];
        while (!closed) {
            if (dirty) {
                dirty = false;
                List<Entry> snapshot = new ArrayList<>();
                for (Entry e : entries.values()) {
                    if (e.fd >= 0 && e.awaiters.get() == 0) {
                        snapshot.add(e);
                    }
                }
                polled = snapshot.toArray(new Entry[0]);
                int[] fds = new int[polled.length + 1];
                fds[0] = wakeRead;
                for (int i = 0; i < polled.length; i++) {
                    fds[i + 1] = polled[i].fd;
                }
                count = fds.length;
                pollfds = PollFds.of(fds, count, PollFds.POLLIN);
                // Only now, with no poll set holding their numbers, may finished entries' pidfds be closed.
                dropRetired();
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
        if (Thread.currentThread() == thread && e.awaiters.get() > 0) {
            dirty = true; // polled before its waiter came: the waiter reaps, the next poll set leaves it out
            return;
        }
        // The watcher thread and a thread blocked in the future's get() may both see the pidfd readable.
        synchronized (e) {
            if (!e.future.isDone()) {
                reapRaw(e, info);
            }
        }
    }

    private void reapRaw(Entry e, Pointer info) {
        if (waitidByPidfd) {
            Siginfo.clear(info);
            int r = Native.libc().waitid(Siginfo.P_PIDFD, e.fd, info, Siginfo.WEXITED | Siginfo.WNOHANG);
            if (r == 0) {
                deliver(e, Siginfo.waitStatus(info));
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

    /**
     * {@link ExitFuture}'s wait in the calling thread: a handle's child through the handle's own wait; a raw pid by
     * sleeping on the entry's pidfd (one more use of it, so it cannot be closed meanwhile) and reaping it here. It
     * returns early, leaving the future to block as usual, when there is no pidfd to sleep on.
     */
    private void awaitHere(Entry e, boolean bounded, long untilNanos) throws InterruptedException {
        if (e.child != null) {
            try {
                if (bounded) {
                    e.child.waitFor(java.time.Duration.ofNanos(Math.max(0, untilNanos - System.nanoTime())));
                } else {
                    e.child.waitFor();
                }
            } catch (RuntimeException reportedThroughTheFuture) {
                // a stall or ECHILD: the handle's whenReaped() fails the entry's future with it
            }
            return;
        }
        if (e.pidfd == null) {
            return;
        }
        // No wake-up of the watcher here: it would rebuild its poll set beside the exit (measured: no faster than
        // before). It leaves the entry alone when the exit wakes it (reapPidfd) and drops it from its next set.
        e.awaiters.incrementAndGet();
        try {
            Pointer info = null;
            while (!e.future.isDone()) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while waiting for pid " + e.pid);
                }
                long left = bounded ? untilNanos - System.nanoTime() : Long.MAX_VALUE;
                if (left <= 0) {
                    return;
                }
                int fd = e.pidfd.acquire();
                if (fd < 0) {
                    return;
                }
                boolean exited;
                try {
                    exited = Pidfd.awaitExit(fd, (int) Math.min(AWAIT_SLICE_MILLIS, Math.max(1, (left + 999_999) / 1_000_000)));
                } finally {
                    e.pidfd.release();
                }
                if (exited) {
                    info = info == null ? Siginfo.allocate() : info;
                    reapPidfd(e, info);
                }
            }
        } finally {
            if (e.awaiters.decrementAndGet() == 0 && !e.future.isDone()) {
                rebuildPollSet(); // back into it: nobody sleeps on the pidfd now (a timeout or an interrupt)
            }
        }
    }

    /** Has the watcher thread rebuild its poll set (which leaves out the entries that have a waiter of their own). */
    private void rebuildPollSet() {
        dirty = true;
        wake();
    }

    private void dropRetired() {
        for (Entry e; (e = retired.poll()) != null; ) {
            e.dropPidfd();
        }
    }

    private void runPolling() {
        Pointer pollfds = PollFds.one(wakeRead, PollFds.POLLIN);
        byte[] drain = new byte[64];
        while (!closed) {
            if (Native.libc().poll(pollfds, 1, POLL_MILLIS) > 0) {
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

    private void reapByPid(Entry e) {
        if (reapThroughHandle(e)) {
            return;
        }
        while (true) {
            int[] rawStatus = new int[1]; // per call: a thread blocked in get() may reap beside the watcher's
            int r = Native.posix().waitpid(e.pid, rawStatus, Siginfo.WNOHANG);
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
        // The future first, the wake-up of the watcher thread (to drop the pidfd) after it: that write(2) and the
        // cross-CPU wake-up it causes are then not on the path from the exit to a thread waiting in get().
        boolean listed = entries.remove(e.pid, e);
        e.future.complete(status);
        if (listed) {
            retire(e);
        }
    }

    private void fail(Entry e, String call, int errno) {
        finish(e);
        e.future.completeExceptionally(new PosixException(call, errno, errno == Errno.ECHILD.number()
                ? "pid " + e.pid + " was reaped by someone else (a waitpid(-1) or wait() elsewhere in this JVM?)" : null));
    }

    /**
     * Removes the entry; any thread may call it (a handle's reaping thread does). Its pidfd use is dropped by the
     * watcher thread when it rebuilds its poll set, never while a poll(2) may still hold the number.
     */
    private void finish(Entry e) {
        if (entries.remove(e.pid, e)) {
            retire(e);
        }
    }

    /** The rest of {@link #finish} once the entry is out of {@link #entries}. */
    private void retire(Entry e) {
        if (e.child == null) {
            KnownChildren.reaped(e.pid);
        }
        retired.add(e);
        if (stopped) {
            dropRetired(); // the thread polls no more: nobody else will (no lock: the caller may hold a handle's)
        }
        dirty = true;
        if (Thread.currentThread() != thread) {
            wake();
        }
    }

    /**
     * Stops the thread. Children still watched are not reaped: their futures fail with
     * {@link IllegalStateException} and they remain this process's children to reap.
     */
    public void close() {
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
            stopped = true;
            dropRetired();
            for (Entry e : entries.values()) {
                entries.remove(e.pid, e);
                e.dropPidfd();
                e.future.completeExceptionally(new IllegalStateException("ExitWatcher closed before pid " + e.pid
                        + " exited; it is still a child of this process: reap it"));
            }
            synchronized (wakeLock) {
                Native.posix().close(wakeRead);
                Native.posix().close(wakeWrite);
            }
        }
    }
}
