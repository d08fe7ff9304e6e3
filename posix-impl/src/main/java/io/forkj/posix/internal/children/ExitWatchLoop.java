package io.forkj.posix.internal.children;

import io.forkj.posix.internal.libc.Arguments;
import io.forkj.posix.internal.libc.EpollEvents;
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

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The machinery behind {@code io.forkj.posix.ExitWatcher} and {@code Child.onExit()}: one daemon thread that
 * learns of child exits without {@code SIGCHLD} and without {@code waitpid(-1)}, so it never steals another
 * owner's children. With pidfds it sleeps in {@code epoll_wait(2)} on an epoll instance holding the watched
 * children's pidfds (readable once the process exits) and a wake pipe; without them it runs
 * {@code waitpid(pid, WNOHANG)} over the watched pids every {@link #POLL_MILLIS}.
 *
 * <p>Any thread changes the interest list ({@code epoll_ctl} needs no wake-up of the sleeping thread): a watch
 * adds the pidfd, the thread that finishes an entry removes it. A thread blocked in the future's {@code get()}
 * takes the pidfd out while it sleeps on it itself, so that the exit wakes that thread alone.
 *
 * <p>A {@link Child} is reaped through its handle (its waits are serialized on its own lock) and the loop watches
 * the handle's own {@link SharedPidfd}, holding one use of it from the watch until the entry is finished and its
 * pidfd out of the interest list: the handle's reap retires the pidfd, but the number is closed only after that,
 * so a number the kernel has reused meanwhile is never in the interest list. A raw pid gets a
 * {@link SharedPidfd} of its own and is reaped here with {@code waitid(P_PIDFD)}.
 */
public final class ExitWatchLoop {
    /** The period of the polling mechanism, in milliseconds. */
    public static final int POLL_MILLIS = 5;

    private static final int STALL_LOOK_MILLIS = 50;
    /** The wake pipe's token in the interest list; an entry's is never 0. */
    private static final long WAKE_TOKEN = 0;
    private static final int READY_EVENTS = 64;

    private final boolean pidfds;
    private final Map<Integer, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong watchCount = new AtomicLong();
    /** Entries that {@link #watchesForStalls}: while there is one, the thread looks at them every 50 ms. */
    private final AtomicInteger stallWatched = new AtomicInteger();
    private final Object lock = new Object();
    private final int wakeRead;
    private final int wakeWrite;
    /** The epoll instance; -1 when polling without pidfds. */
    private final int epfd;
    private final byte[] wakeByte = {1};
    /**
     * Held to write the wake pipe or change the interest list, and to close them ({@link #stopped} is set before):
     * a thread finishing an entry as the watcher shuts down never uses a closed number the kernel may have given
     * to another file. Not {@link #lock}: a handle's reap finishes entries with the handle's lock held, and
     * {@link #watchHandle} takes them in the other order.
     */
    private final Object fdLock = new Object();
    private final Thread thread;
    private volatile boolean closed;
    /** Set once the thread has left its loop for good and the pipe and epoll fds are closed. */
    private volatile boolean stopped;
    /** False once the kernel answered EINVAL to P_PIDFD (Linux 5.3): reap by pid from then on. */
    private volatile boolean waitidByPidfd = true;
    /** The longest a thread blocked in {@code get()} sleeps in one poll, so that an interrupt is seen. */
    private static final int AWAIT_SLICE_MILLIS = 50;

    private static final class Entry {
        final int pid;
        /** Reported by epoll for this entry: unique, so an event read before the entry was finished is ignored. */
        final long token;
        final SharedPidfd pidfd;
        /** One use of {@link #pidfd} held from the watch until the entry is finished ({@link #drop}); -1 if none. */
        final int fd;
        /** Set for a forked or spawned handle, which reaps its own child: the loop only wakes it. */
        final Child child;
        final ExitFuture future;
        // Guarded by this entry's registration: the interest list, the awaiters and the drop change together.
        private final Object registration = new Object();
        private boolean listened;
        private boolean dropped;
        /** Threads sleeping on {@link #pidfd} in the future's {@code get()}/{@code join()}: the fd is out of the list. */
        private volatile int awaiters;

        Entry(ExitWatchLoop loop, int pid, SharedPidfd pidfd, Child child) {
            this.pid = pid;
            this.token = loop.watchCount.incrementAndGet() << 32 | (pid & 0xFFFF_FFFFL);
            this.pidfd = pidfd;
            this.fd = pidfd == null ? -1 : pidfd.acquire();
            this.child = child;
            this.future = new ExitFuture((bounded, until) -> loop.awaitHere(this, bounded, until));
        }
    }

    /**
     * Starts the thread.
     *
     * @param pidfds true for pidfds + epoll (the caller checked the kernel has pidfds), false for polling
     */
    public ExitWatchLoop(boolean pidfds) {
        this.pidfds = pidfds;
        int[] fds = new int[2];
        if (Native.libc().pipe2(fds, LinuxLibC.Flags.O_NONBLOCK | LinuxLibC.Flags.O_CLOEXEC) != 0) {
            throw new PosixException("pipe2(O_NONBLOCK | O_CLOEXEC)", Native.errno());
        }
        wakeRead = fds[0];
        wakeWrite = fds[1];
        int ep = -1;
        if (pidfds) {
            try {
                ep = EpollEvents.create();
                int errno = EpollEvents.add(ep, wakeRead, WAKE_TOKEN);
                if (errno != 0) {
                    throw new PosixException("epoll_ctl(EPOLL_CTL_ADD, wake pipe)", errno);
                }
            } catch (RuntimeException e) {
                Native.posix().close(wakeRead);
                Native.posix().close(wakeWrite);
                if (ep >= 0) {
                    Native.posix().close(ep);
                }
                throw e;
            }
        }
        epfd = ep;
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
                drop(entry);
                throw e;
            }
            // Recorded before it is listed: once listed, the watcher may reap it (and forget it) at once.
            KnownChildren.forked(pid);
            add(entry);
            return entry.future;
        }
    }

    /**
     * See {@code io.forkj.posix.ExitWatcher.watch(Child)}.
     *
     * @param pidfd the handle's own pidfd, which the loop watches
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
            // the handle's future completes the entry, and no number is watched.
            Entry entry = new Entry(this, child.pid(), pidfds ? pidfd : null, child);
            add(entry);
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
                // No pidfd to watch: the handle has reaped the child (its future completes the entry), the kernel
                // did (SIGCHLD ignored: its poll answers ECHILD, which fails it), or it is about to.
                reapThroughHandle(entry);
            }
            return entry.future;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this ExitWatcher is closed");
        }
    }

    /** Lists the entry and puts its pidfd into the interest list; no wake-up, unless it needs stall looks. */
    private void add(Entry entry) {
        entries.put(entry.pid, entry);
        try {
            synchronized (entry.registration) {
                listen(entry);
            }
        } catch (RuntimeException e) {
            if (entries.remove(entry.pid, entry) && entry.child == null) {
                KnownChildren.reaped(entry.pid);
            }
            drop(entry);
            throw e;
        }
        if (watchesForStalls(entry) && stallWatched.getAndIncrement() == 0) {
            wake(); // its epoll_wait has no timeout yet
        }
    }

    /** A forked child with a deadline: it may stall without ever exiting, which only a look at it shows. */
    private static boolean watchesForStalls(Entry e) {
        return e.child != null && e.child.deadline().isPresent();
    }

    /** Puts the entry's pidfd into the interest list, unless it is there, finished, or has none. */
    private void listen(Entry e) {
        if (e.listened || e.dropped || e.fd < 0) {
            return;
        }
        int errno;
        synchronized (fdLock) {
            if (stopped) {
                return;
            }
            errno = EpollEvents.add(epfd, e.fd, e.token);
        }
        if (errno != 0) {
            throw new PosixException("epoll_ctl(EPOLL_CTL_ADD, pidfd of " + e.pid + ")", errno);
        }
        e.listened = true;
    }

    /** Takes the entry's pidfd out of the interest list, if it is there. */
    private void unlisten(Entry e) {
        if (!e.listened) {
            return;
        }
        e.listened = false;
        synchronized (fdLock) {
            if (!stopped) {
                EpollEvents.delete(epfd, e.fd); // cannot fail: the fd is open (this entry's use) and listed
            }
        }
    }

    /**
     * Ends the loop's use of the entry's pidfd, once: out of the interest list first, then released (a raw pid's
     * pidfd, owned by the loop alone, is retired, which closes it).
     */
    private void drop(Entry e) {
        synchronized (e.registration) {
            unlisten(e);
            if (e.dropped) {
                return;
            }
            e.dropped = true;
            if (e.pidfd != null) {
                if (e.child == null) {
                    e.pidfd.retire();
                }
                if (e.fd >= 0) {
                    e.pidfd.release();
                }
            }
        }
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

    /** Wakes the watcher thread; once it has stopped, does nothing. */
    private void wake() {
        synchronized (fdLock) {
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
        EpollEvents ready = EpollEvents.ofCapacity(READY_EVENTS);
        byte[] drain = new byte[64];
        while (!closed) {
            // A forked child that stalls never exits: look at the watched ones every 50 ms, through their handles,
            // which recognise a stall from /proc and enforce the deadline.
            int n = ready.await(epfd, stallWatched.get() > 0 ? STALL_LOOK_MILLIS : -1);
            if (n == 0) {
                for (Entry e : entries.values()) {
                    if (watchesForStalls(e) && e.awaiters == 0 && !e.future.isDone()) {
                        reapThroughHandle(e);
                    }
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                long token = ready.token(i);
                if (token == WAKE_TOKEN) {
                    while (Native.libc().read(wakeRead, drain, drain.length) > 0) {
                        // empty the wake pipe; the byte count means nothing
                    }
                    continue;
                }
                Entry e = entries.get((int) token);
                if (e != null && e.token == token) { // else finished since epoll_wait returned
                    reapPidfd(e, info);
                }
            }
        }
    }

    private void reapPidfd(Entry e, Pointer info) {
        if (e.future.isDone()) {
            return;
        }
        if (Thread.currentThread() == thread && e.awaiters > 0) {
            return; // reported before its waiter took it out of the interest list: the waiter reaps
        }
        if (reapThroughHandle(e)) {
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
     * returns early, leaving the future to block as usual, when there is no pidfd to sleep on. Meanwhile the pidfd
     * is out of the interest list, so that the exit wakes this thread and not the watcher's too.
     */
    private void awaitHere(Entry e, boolean bounded, long untilNanos) throws InterruptedException {
        if ((e.child == null && e.pidfd == null) || !arrive(e)) {
            return;
        }
        try {
            if (e.child != null) {
                awaitHandle(e.child, bounded, untilNanos);
            } else {
                awaitRaw(e, bounded, untilNanos);
            }
        } finally {
            depart(e);
        }
    }

    private static void awaitHandle(Child child, boolean bounded, long untilNanos) throws InterruptedException {
        try {
            if (bounded) {
                child.waitFor(java.time.Duration.ofNanos(Math.max(0, untilNanos - System.nanoTime())));
            } else {
                child.waitFor();
            }
        } catch (RuntimeException reportedThroughTheFuture) {
            // a stall or ECHILD: the handle's whenReaped() fails the entry's future with it
        }
    }

    private void awaitRaw(Entry e, boolean bounded, long untilNanos) throws InterruptedException {
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
    }

    /** A thread starts sleeping on the entry's pidfd: out of the interest list. False if the entry is finished. */
    private boolean arrive(Entry e) {
        synchronized (e.registration) {
            if (e.dropped) {
                return false;
            }
            e.awaiters = e.awaiters + 1;
            unlisten(e);
            return true;
        }
    }

    /** A sleeping thread leaves (the exit, a timeout, an interrupt): the last one puts an unfinished entry back. */
    private void depart(Entry e) {
        synchronized (e.registration) {
            e.awaiters = e.awaiters - 1;
            if (e.awaiters > 0 || e.future.isDone()) {
                return;
            }
            try {
                listen(e);
            } catch (PosixException failure) {
                finish(e);
                e.future.completeExceptionally(failure);
            }
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
        // The future first: closing the pidfd is then not on the path from the exit to a thread waiting in get().
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

    /** Removes the entry and ends its pidfd use; any thread may call it (a handle's reaping thread does). */
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
        if (watchesForStalls(e)) {
            stallWatched.decrementAndGet();
        }
        drop(e);
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
            for (Entry e : entries.values()) {
                entries.remove(e.pid, e);
                drop(e);
                e.future.completeExceptionally(new IllegalStateException("ExitWatcher closed before pid " + e.pid
                        + " exited; it is still a child of this process: reap it"));
            }
            synchronized (fdLock) {
                stopped = true;
                Native.posix().close(wakeRead);
                Native.posix().close(wakeWrite);
                if (epfd >= 0) {
                    Native.posix().close(epfd);
                }
            }
        }
    }
}
