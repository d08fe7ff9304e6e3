package io.forkj.multiprocessing;

import com.kenai.jffi.MemoryIO;
import io.forkj.posix.Child;
import io.forkj.posix.ExitWatcher;
import io.forkj.posix.internal.children.ChildPidfds;
import io.forkj.posix.internal.children.SharedPidfd;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.Pidfd;
import io.forkj.posix.internal.libc.PollFds;
import io.forkj.multiprocessing.internal.FdIo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@link Connection#waitAny}: one {@code poll(2)} over connections' fds and processes' pidfds. Not public API.
 *
 * <p>Each round acquires what it polls and lets go after: a child's pidfd through its {@link SharedPidfd} (never
 * closed while polled, so its number cannot meanwhile name another file), a parent's pidfd opened for the round, and
 * every connection's receiving side, held for the whole wait as {@link Connection#poll(Duration)} holds it. The
 * receiving sides are taken without ever waiting for one while holding another (all or none, then wait for the busy
 * one alone), so two waits over the same connections in different orders cannot deadlock.
 */
final class ReadyWait {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    /** How often a process with no pidfd to poll (a kernel before 5.3) is looked at. */
    private static final long NO_PIDFD_SLICE_MILLIS = 10;

    private ReadyWait() {
    }

    static <T> List<T> waitAny(Collection<? extends T> objects, long timeoutMillis) {
        if (objects == null) {
            throw new IllegalArgumentException("waitAny needs a collection of objects, not null");
        }
        List<T> items = new ArrayList<>(objects);
        if (items.isEmpty() && timeoutMillis < 0) {
            throw new IllegalArgumentException("waitAny of no objects without a timeout would wait for ever");
        }
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Object o = items.get(i);
            if (o instanceof Connection) {
                ((Connection) o).receivingFd();
                connections.add((Connection) o);
            } else if (o instanceof MpProcess) {
                ((MpProcess) o).childToWaitFor();
            } else {
                throw new IllegalArgumentException("waitAny waits on Connection and MpProcess objects, not "
                        + (o == null ? "null" : o.getClass().getName()) + " (at index " + i + "; Python's"
                        + " connection.wait also takes sockets and fds)");
            }
        }
        long pollfds = MEMORY.allocateMemory((long) Math.max(1, items.size()) * PollFds.SIZE, true);
        boolean held = false;
        try {
            holdAll(connections);
            held = true;
            long deadline = System.nanoTime() + Math.max(0, timeoutMillis) * 1_000_000L;
            while (true) {
                Round round = new Round(items.size());
                try {
                    boolean readyNow = round.prepare(items, pollfds);
                    // Rounded up: the last fraction of a millisecond is slept, not spun in polls of 0.
                    long wait = readyNow ? 0
                            : timeoutMillis < 0 ? -1 : Math.max(0, (deadline - System.nanoTime() + 999_999L) / 1_000_000L);
                    if (round.unwatched && (wait < 0 || wait > NO_PIDFD_SLICE_MILLIS)) {
                        wait = NO_PIDFD_SLICE_MILLIS;
                    }
                    FdIo.awaitAny(pollfds, items.size(), wait);
                    List<T> ready = new ArrayList<>();
                    for (int i = 0; i < items.size(); i++) {
                        if (round.ready[i] || PollFds.revents(pollfds, i) != 0) {
                            ready.add(items.get(i));
                        }
                    }
                    if (!ready.isEmpty() || (timeoutMillis >= 0 && deadline - System.nanoTime() <= 0)) {
                        return ready;
                    }
                } finally {
                    round.letGo();
                }
            }
        } finally {
            MEMORY.freeMemory(pollfds);
            if (held) {
                for (Connection c : connections) {
                    c.releaseReceiving();
                }
            }
        }
    }

    /** Takes every connection's receiving side: all at once, never waiting for one while holding others. */
    private static void holdAll(List<Connection> connections) {
        while (true) {
            int held = 0;
            Connection busy = null;
            for (Connection c : connections) {
                if (!c.tryHoldReceiving()) {
                    busy = c;
                    break;
                }
                held++;
            }
            if (busy == null) {
                return;
            }
            for (int i = 0; i < held; i++) {
                connections.get(i).releaseReceiving();
            }
            busy.awaitReceivingFree();
        }
    }

    /** What one poll covers, and what it must let go of after. */
    private static final class Round {
        final boolean[] ready;
        final SharedPidfd[] acquired;
        final int[] opened;
        /** A process is neither ended nor pollable (no pidfds): poll in short slices and look again. */
        boolean unwatched;

        Round(int n) {
            ready = new boolean[n];
            acquired = new SharedPidfd[n];
            opened = new int[n];
            java.util.Arrays.fill(opened, -1);
        }

        /** Writes one pollfd per item (fd -1, which poll skips, for an item already known ready); true if any is. */
        boolean prepare(List<?> items, long pollfds) {
            boolean any = false;
            for (int i = 0; i < items.size(); i++) {
                Object o = items.get(i);
                int fd = -1;
                if (o instanceof Connection) {
                    fd = ((Connection) o).receivingFd();
                } else {
                    MpProcess p = (MpProcess) o;
                    Child child = p.childToWaitFor();
                    if (child != null) {
                        fd = childFd(child, i);
                    } else {
                        fd = parentFd(p.parentViewPid(), i);
                    }
                }
                PollFds.put(pollfds + (long) i * PollFds.SIZE, fd, PollFds.POLLIN);
                any |= ready[i];
            }
            return any;
        }

        /** The child's own pidfd, readable once it has exited; ready at once if it is already reaped. */
        private int childFd(Child child, int i) {
            if (child.status().isPresent()) {
                ready[i] = true;
                return -1;
            }
            SharedPidfd shared = ChildPidfds.of(child);
            int fd = shared.acquire();
            if (fd >= 0) {
                acquired[i] = shared;
                return fd;
            }
            // Retired (reaped meanwhile) or never opened (no pidfds on this kernel).
            if (child.status().isPresent() || child.poll().isPresent()) {
                ready[i] = true;
            } else {
                unwatched = true;
            }
            return -1;
        }

        /** A pidfd of the parent, opened for this round; ready at once if the parent is already gone. */
        private int parentFd(int parent, int i) {
            if (Native.posix().getppid() != parent) {
                ready[i] = true;
                return -1;
            }
            int fd = ExitWatcher.pidfdSupported() ? Pidfd.open(parent) : -1;
            if (fd >= 0) {
                opened[i] = fd;
            }
            // Opened after the check: the pid may have been the parent's and been reused since. Asked again, the
            // parent is still ours, so the pidfd is the parent's.
            if (Native.posix().getppid() != parent) {
                ready[i] = true;
            } else if (fd < 0) {
                unwatched = true;
            }
            return fd;
        }

        void letGo() {
            for (int i = 0; i < ready.length; i++) {
                if (acquired[i] != null) {
                    acquired[i].release();
                }
                if (opened[i] >= 0) {
                    FdIo.close(opened[i]);
                }
            }
        }
    }
}
