package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.internal.Timeouts;
import io.forkj.multiprocessing.internal.shm.Self;
import io.forkj.posix.internal.libc.BindingState;
import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcParser;
import io.forkj.posix.internal.proc.StatLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The locks, semaphores and conditions a manager's server holds. Each acquisition is charged to an {@link Owner}
 * the caller names (its process and thread: a call may arrive on any of a process's connections), so that
 * <ul>
 *   <li>an {@code RLock} knows which thread holds it, as CPython's does (there, the server thread of the caller's
 *       connection, which is the caller's thread);</li>
 *   <li>what a process holds when it dies goes back: when any connection ends, and every
 *       {@value #CHECK_MILLIS} ms while someone waits, each holder is looked up in {@code /proc}
 *       ({@link ServerLiveness}: gone, a zombie, or a recycled pid), or, for a process this server's {@code /proc}
 *       could not confirm when it said hello (another pid namespace or host), has no connection left
 *       ({@link ManagerServer#hasEnded}). CPython's server keeps a dead process's lock held for ever;</li>
 *   <li>an acquisition whose caller never read the answer (its thread was interrupted, its connection failed) is
 *       undone when that connection ends, and a condition's signal taken by such a wait goes to the next waiter
 *       ({@link ManagerServer} keeps how to undo each connection's last call until its caller acknowledges the
 *       answer); a wait whose caller is gone ends without taking anything ({@link ManagerServer#checkCaller}).</li>
 * </ul>
 * A dead semaphore holder's permits are returned only up to {@code initial value - permits held by live
 * processes}, as for {@link io.forkj.multiprocessing.Semaphore}: a semaphore used as a signal does not grow when
 * its consumer exits.
 */
public final class OwnedCells {
    /** How often a waiter looks for dead holders. */
    static final long CHECK_MILLIS = 100;
    static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS);

    private OwnedCells() {
    }

    /**
     * Who holds: a thread of a process, named by pid and start time so that a recycled pid is not taken for it.
     *
     * @param thread the thread's id; 0 where only the process counts (semaphores)
     */
    public record Owner(int pid, long startTime, long thread) {
        /**
         * The calling thread. A JVM that has not loaded the native binding (a SPAWN child, say) names its process
         * without loading it: that cost ~300 ms at a child's first lock call. Such a JVM has never forked, so its
         * process is the one it was when the name was read; a FORK child has the binding and asks {@link Self}.
         */
        public static Owner current() {
            long thread = Thread.currentThread().getId();
            if (BindingState.isLoaded()) {
                return new Owner(Self.pid(), Self.startTime(), thread);
            }
            Owner self = Unbound.SELF;
            return new Owner(self.pid, self.startTime, thread);
        }

        // written out: a record's generated equals and hashCode bootstrap method handles at their first call,
        // ~20 ms of a manager server's first lock call
        @Override
        public boolean equals(Object o) {
            return o instanceof Owner && ((Owner) o).pid == pid && ((Owner) o).startTime == startTime
                    && ((Owner) o).thread == thread;
        }

        @Override
        public int hashCode() {
            return (int) (31 * (31L * pid + startTime) + thread);
        }

        Owner process() {
            return thread == 0 ? this : new Owner(pid, startTime, 0);
        }

        /** Whether this owner's process has ended, as the server serving the current thread judges it. */
        boolean isDead() {
            return ManagerServer.hasEnded(process());
        }
    }

    /** This process, read through java.nio and {@code /proc/self/stat}, for a JVM without the native binding. */
    private static final class Unbound {
        static final Owner SELF = read();

        private static Owner read() {
            try {
                byte[] stat = Files.readAllBytes(ProcFs.self("stat"));
                StatLine line = ProcParser.stat(stat, stat.length);
                return new Owner(line.pid(), line.startTime(), 0);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + ProcFs.self("stat") + " to name this process", e);
            }
        }
    }

    /**
     * The calls a client makes on a lock or semaphore; the public face is {@link SyncProxies}. The owner goes as
     * its three numbers, which the manager's wire carries compactly: as a record, a JVM's first call spent ~30 ms
     * more, in the record's reflection.
     */
    public interface OwnedSync {
        /**
         * @param timeoutNanos 0: do not block; {@link Timeouts#FOREVER}: no limit
         * @return whether it was taken
         */
        boolean acquire(int pid, long startTime, long thread, long timeoutNanos);

        /** @throws IllegalStateException if it is not held (by this owner, for an RLock) */
        void release(int pid, long startTime, long thread);
    }

    /** The calls a client makes on a condition. */
    public interface OwnedCondition extends OwnedSync {
        /** Waits to be signalled; false if the timeout ran out. */
        boolean await(int pid, long startTime, long thread, long timeoutNanos);

        /** Wakes up to {@code n} live waiters. */
        void signal(int pid, long startTime, long thread, int n);

        /**
         * After this owner's {@link #await} was abandoned (its thread interrupted once the server had the call):
         * waits until the server has ended that wait, then takes the lock back at the depth the wait let go of.
         */
        void reclaim(int pid, long startTime, long thread);
    }

    /** The kinds of {@link SyncCell}. */
    enum Kind { LOCK, RLOCK, SEMAPHORE, BOUNDED_SEMAPHORE }

    /** A lock, reentrant lock or (bounded) semaphore. Every field is guarded by the cell's monitor. */
    static final class SyncCell implements OwnedSync, Cells.SelfLocking, Cells.ConnectionWatcher {
        private final Kind kind;
        private final int initial;
        private int free;
        /** Holds per owner: a lock's holder thread, an RLock's depth, a process's semaphore permits. */
        private final Map<Owner, Integer> held = new LinkedHashMap<>();
        private long lastCheck = System.nanoTime();

        SyncCell(Kind kind, int value) {
            if (value < 0) {
                throw new IllegalArgumentException("semaphore initial value " + value + " must be >= 0 (Python: ValueError)");
            }
            this.kind = kind;
            this.initial = value;
            this.free = value;
        }

        boolean isLock() {
            return kind == Kind.LOCK || kind == Kind.RLOCK;
        }

        private Owner key(Owner owner) {
            return isLock() ? owner : owner.process();
        }

        @Override
        public boolean acquire(int pid, long startTime, long thread, long timeoutNanos) {
            return acquire(new Owner(pid, startTime, thread), timeoutNanos);
        }

        synchronized boolean acquire(Owner owner, long timeoutNanos) {
            Owner key = key(owner);
            if (kind == Kind.RLOCK && held.containsKey(key)) {
                held.merge(key, 1, Integer::sum);
                ManagerServer.undoIfUnread(() -> undo(key, 1));
                return true;
            }
            if (!awaitFree(timeoutNanos)) {
                return false;
            }
            take(key, 1);
            return true;
        }

        /** Under the monitor, with a permit free: {@code key} takes it, at depth {@code depth}. */
        private void take(Owner key, int depth) {
            free--;
            held.merge(key, depth, Integer::sum);
            ManagerServer.undoIfUnread(() -> undo(key, depth));
        }

        /**
         * Under the monitor: waits until a permit is free, looking for dead holders on the way.
         *
         * @throws ManagerServer.CallerGone if the caller closed its connection meanwhile: nothing is taken for it
         */
        private boolean awaitFree(long timeoutNanos) {
            long deadline = System.nanoTime() + timeoutNanos;
            boolean interrupted = false;
            try {
                while (free == 0) {
                    if (timeoutNanos == 0) {
                        if (System.nanoTime() - lastCheck >= CHECK_NANOS) {
                            recoverDead();
                        }
                        return free > 0;
                    }
                    long slice = CHECK_NANOS;
                    if (timeoutNanos > 0) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            return false;
                        }
                        slice = Math.min(slice, left);
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, slice);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                    ManagerServer.checkCaller();
                    if (free == 0 && System.nanoTime() - lastCheck >= CHECK_NANOS) {
                        recoverDead();
                    }
                }
                return true;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void release(int pid, long startTime, long thread) {
            release(new Owner(pid, startTime, thread));
        }

        synchronized void release(Owner owner) {
            switch (kind) {
                case LOCK:
                    if (free > 0) {
                        throw new IllegalStateException("release unlocked lock");
                    }
                    // CPython's Lock may be released by any thread; the holder is only kept for recovery
                    held.clear();
                    free = 1;
                    break;
                case RLOCK: {
                    Integer depth = held.get(owner);
                    if (depth == null) {
                        throw new IllegalStateException("cannot release un-acquired lock: thread " + owner.thread()
                                + " of pid " + owner.pid() + " does not hold it");
                    }
                    if (depth == 1) {
                        held.remove(owner);
                        free = 1;
                    } else {
                        held.put(owner, depth - 1);
                    }
                    break;
                }
                default: {
                    if (kind == Kind.BOUNDED_SEMAPHORE && free >= initial) {
                        throw new IllegalStateException("Semaphore released too many times (bound " + initial + ")");
                    }
                    free++;
                    held.computeIfPresent(owner.process(), (k, n) -> n == 1 ? null : n - 1);
                }
            }
            notifyAll();
        }

        /** Undoes an acquisition whose caller never read the answer. */
        synchronized void undo(Owner key, int depth) {
            Integer n = held.get(key);
            if (n == null) {
                return;
            }
            int back = Math.min(n, depth);
            if (n == back) {
                held.remove(key);
            } else {
                held.put(key, n - back);
            }
            if (isLock()) {
                if (!held.containsKey(key)) {
                    free = 1;
                }
            } else {
                free += back;
            }
            notifyAll();
        }

        /**
         * Under the monitor: gives back what dead processes hold.
         *
         * @return whether anything came back
         */
        private boolean recoverDead() {
            lastCheck = System.nanoTime();
            int dead = 0;
            for (Iterator<Map.Entry<Owner, Integer>> it = held.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Owner, Integer> e = it.next();
                if (e.getKey().isDead()) {
                    dead += e.getValue();
                    it.remove();
                }
            }
            if (dead == 0) {
                return false;
            }
            if (isLock()) {
                free = 1;
            } else {
                int live = 0;
                for (int n : held.values()) {
                    live += n;
                }
                free += Math.max(0, Math.min(dead, initial - free - live));
            }
            notifyAll();
            return true;
        }

        @Override
        public synchronized void connectionEnded() {
            if (!held.isEmpty()) {
                recoverDead();
            }
        }

        /** Whether {@code owner} holds this lock. */
        synchronized boolean isHeldBy(Owner owner) {
            return held.containsKey(owner);
        }

        /**
         * A condition's wait: releases every hold of {@code owner} at once.
         *
         * @return the depth to {@link #restore}
         */
        synchronized int releaseAll(Owner owner, String why) {
            Integer depth = held.remove(owner);
            if (depth == null) {
                throw new IllegalStateException("cannot " + why + " on un-acquired lock: thread " + owner.thread()
                        + " of pid " + owner.pid() + " does not hold it");
            }
            free = 1;
            notifyAll();
            return depth;
        }

        /**
         * The end of a condition's wait: takes the lock back at {@code depth}, however long that takes.
         *
         * @throws ManagerServer.CallerGone if the caller closed its connection meanwhile: nothing is taken for it
         */
        synchronized void restore(Owner owner, int depth) {
            if (kind == Kind.RLOCK && held.containsKey(owner)) {
                held.merge(owner, depth, Integer::sum);
                ManagerServer.undoIfUnread(() -> undo(owner, depth));
                return;
            }
            awaitFree(Timeouts.FOREVER);
            take(owner, depth);
        }

        @Override
        public synchronized String toString() {
            switch (kind) {
                case LOCK:
                    return free > 0 ? "Lock(unlocked)" : "Lock(locked)";
                case RLOCK:
                    return free > 0 ? "RLock(unlocked)" : "RLock(owner=" + held.keySet().iterator().next() + ")";
                default:
                    return (kind == Kind.SEMAPHORE ? "Semaphore" : "BoundedSemaphore") + "(value=" + free + ")";
            }
        }
    }

    /** A condition over a manager lock. Its waiters are guarded by its own monitor, taken apart from the lock's. */
    static final class ConditionCell implements OwnedCondition, Cells.SelfLocking {
        private final SyncCell lock;
        private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
        /** The depth each owner's abandoned wait let go of, until the owner {@link #reclaim}s it. */
        private final Map<Owner, Integer> abandoned = new HashMap<>();

        private static final class Waiter {
            final Owner owner;
            boolean signalled;

            Waiter(Owner owner) {
                this.owner = owner;
            }
        }

        ConditionCell(SyncCell lock) {
            if (!lock.isLock()) {
                throw new IllegalArgumentException("a condition needs a manager Lock or RLock, not a " + lock);
            }
            this.lock = lock;
        }

        @Override
        public boolean acquire(int pid, long startTime, long thread, long timeoutNanos) {
            return lock.acquire(pid, startTime, thread, timeoutNanos);
        }

        @Override
        public void release(int pid, long startTime, long thread) {
            lock.release(pid, startTime, thread);
        }

        @Override
        public boolean await(int pid, long startTime, long thread, long timeoutNanos) {
            Owner owner = new Owner(pid, startTime, thread);
            Waiter me = new Waiter(owner);
            // registered before the lock is let go, so a signal sent as soon as it is free finds this waiter
            synchronized (this) {
                waiters.add(me);
            }
            int depth;
            try {
                depth = lock.releaseAll(owner, "wait");
            } catch (IllegalStateException notHeld) {
                synchronized (this) {
                    waiters.remove(me);
                }
                // a caller interrupted before it read this refusal reclaims: it finds that nothing was let go of
                ManagerServer.undoIfUnread(() -> abandon(owner, 0));
                throw notHeld;
            }
            boolean signalled;
            synchronized (this) {
                long deadline = System.nanoTime() + timeoutNanos;
                boolean interrupted = false;
                while (!me.signalled) {
                    long left = timeoutNanos == Timeouts.FOREVER ? Long.MAX_VALUE : deadline - System.nanoTime();
                    if (left <= 0) {
                        waiters.remove(me);
                        break;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, CHECK_NANOS));
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                    // nobody will read the answer: neither the lock nor a server thread nor a signal is kept for it
                    // (a dead process's connection may stay open in a FORK child that inherited it)
                    if (!me.signalled && (ManagerServer.callerGone() || owner.isDead())) {
                        waiters.remove(me);
                        abandon(owner, depth);
                        throw new ManagerServer.CallerGone();
                    }
                }
                signalled = me.signalled;
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                lock.restore(owner, depth);
            } catch (ManagerServer.CallerGone gone) {
                if (signalled) {
                    wake(1);
                }
                abandon(owner, depth);
                throw gone;
            }
            // a caller that gave up (an interrupt) or died never sees the answer: the lock restored goes (the
            // restore's own undo, run first), the signal goes to the next waiter, and the owner may reclaim
            ManagerServer.undoIfUnread(() -> {
                if (signalled) {
                    wake(1);
                }
                abandon(owner, depth);
            });
            return signalled;
        }

        @Override
        public void signal(int pid, long startTime, long thread, int n) {
            Owner owner = new Owner(pid, startTime, thread);
            if (n < 0) {
                throw new IllegalArgumentException("cannot notify " + n + " waiters: n must be >= 0");
            }
            if (!lock.isHeldBy(owner)) {
                throw new IllegalStateException("cannot notify on un-acquired lock: thread " + owner.thread() + " of pid "
                        + owner.pid() + " does not hold it");
            }
            wake(n);
        }

        @Override
        public void reclaim(int pid, long startTime, long thread) {
            Owner owner = new Owner(pid, startTime, thread);
            int depth;
            synchronized (this) {
                try {
                    Cells.awaitUntil(this, () -> abandoned.containsKey(owner), Timeouts.FOREVER);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ManagerServer.CallerGone();
                }
                depth = abandoned.remove(owner);
            }
            if (depth == 0) {
                return;
            }
            try {
                lock.restore(owner, depth);
            } catch (ManagerServer.CallerGone gone) {
                abandon(owner, depth);
                throw gone;
            }
            ManagerServer.undoIfUnread(() -> abandon(owner, depth));
        }

        /** Notes the depth an ended wait of {@code owner} let go of, for its {@link #reclaim}. */
        private synchronized void abandon(Owner owner, int depth) {
            abandoned.keySet().removeIf(Owner::isDead);
            if (!owner.isDead()) {
                abandoned.put(owner, depth);
                notifyAll();
            }
        }

        /** Signals up to {@code n} waiters whose process lives. */
        private synchronized void wake(int n) {
            int woken = 0;
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext() && woken < n; ) {
                Waiter w = it.next();
                it.remove();
                if (!w.owner.isDead()) {
                    w.signalled = true;
                    woken++;
                }
            }
            if (woken > 0) {
                notifyAll();
            }
        }

        @Override
        public String toString() {
            return "Condition(" + lock + ")";
        }
    }
}
