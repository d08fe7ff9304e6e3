package io.forkj.multiprocessing.internal;

import io.forkj.Errno;
import io.forkj.multiprocessing.internal.shm.Self;

import java.lang.ref.Cleaner;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What forkj objects dropped without {@code close()} give back once the collector finds them garbage (fds,
 * mappings, native buffers), as CPython's objects do when they are collected: one private {@link Cleaner} and its
 * thread, {@code forkj-release}, started by the first registration in a JVM (never in a forked copy).
 *
 * <p>Nothing registers in a forked copy of the JVM (a FORK child, a raw {@code Fork.run} child): no collector and no
 * cleaner thread run there, and a cleaner's list is guarded by a Java monitor its thread may have held at the fork.
 * There only an explicit close releases. So that an explicit close never touches that monitor either, an object
 * releases through its own once-only action and never calls {@code Cleanable.clean()}; the registration then stays
 * until the object is garbage and its action finds nothing left to do.
 *
 * <p>What waits for the collector is counted in {@link Bound}s, because objects that make little heap garbage can
 * pile up fds and native memory long before a collection: past a bound, the next new object asks for a collection
 * first and waits briefly for the releases, as the JDK does for direct buffers ({@link #relieve}); a creation the
 * kernel refused for want of fds or memory does the same once and tries again ({@link #collectAfter}).
 */
public final class Release {
    /**
     * The process this class was loaded in. Any forked copy of this JVM has another pid and no collector or cleaner
     * thread: there nothing registers and nothing asks for a GC.
     */
    private static final int LOADED_IN = Self.pid();
    /** The cleaner's thread, once started: a collection waits until it is idle again. */
    private static volatile Thread releaser;
    private static final Object COLLECTING = new Object();
    /** Every bound made: a collection's progress is any of them going down. */
    private static final List<Bound> ALL = new CopyOnWriteArrayList<>();

    private Release() {
    }

    /**
     * Holds the cleaner until the first registration, which never happens in a forked copy: {@code Cleaner.create}
     * starts its thread at once, and a forked JVM child may start no thread (this class may well be initialized
     * there first, by the first connection or segment a FORK child makes).
     */
    private static final class Releaser {
        static final Cleaner CLEANER = Cleaner.create(r -> {
            Thread t = new Thread(r, "forkj-release");
            t.setDaemon(true);
            releaser = t;
            return t;
        });
    }

    /** Whether this process is a forked copy of the JVM that loaded this class. */
    public static boolean inForkedCopy() {
        return ForkedChild.active() || Self.pid() != LOADED_IN;
    }

    /**
     * Runs {@code action} once {@code owner} is garbage, unless this is a forked copy of the JVM. The action must not
     * refer to the owner, and must do nothing if an explicit close already released.
     *
     * @return whether it was registered
     */
    public static boolean whenGarbage(Object owner, Runnable action) {
        if (inForkedCopy()) {
            return false;
        }
        Releaser.CLEANER.register(owner, action);
        return true;
    }

    /**
     * A count of something the collector may have to give back, and the bound past which a new one asks for a
     * collection first. The bound is raised to twice what a collection left, so that what a program really keeps
     * costs one collection, not one per object.
     */
    public static final class Bound {
        private final long base;
        private final AtomicLong count = new AtomicLong();
        private volatile long limit;

        /** A bound of {@code base}. */
        public Bound(long base) {
            this.base = base;
            this.limit = base;
            ALL.add(this);
        }

        /** Counts {@code n} more (or fewer, negative). */
        public void add(long n) {
            count.addAndGet(n);
        }

        /** The count now. */
        public long count() {
            return count.get();
        }

        boolean over() {
            return count.get() > limit;
        }

        boolean underHalfBase() {
            return count.get() <= base / 2;
        }

        void raise() {
            limit = Math.max(base, 2 * count.get());
        }
    }

    /** Before a new object: if any of {@code bounds} is passed, a collection and a short wait, then new limits. */
    public static void relieve(Bound... bounds) {
        if (!anyOver(bounds) || inForkedCopy()) {
            return; // no collector runs in a forked copy of the JVM: System.gc() would wait for ever
        }
        synchronized (COLLECTING) {
            if (!anyOver(bounds)) {
                return;
            }
            collect(bounds);
            for (Bound b : bounds) {
                b.raise();
            }
        }
    }

    /**
     * After a creation failed with {@code errno}: if it is one of {@code full} and garbage may hold what is missing
     * (any bound counts something), a collection and a short wait, and true (try once more).
     */
    public static boolean collectAfter(int errno, Errno... full) {
        if (inForkedCopy() || total() == 0) {
            return false;
        }
        for (Errno e : full) {
            if (e.number() == errno) {
                synchronized (COLLECTING) {
                    collect();
                }
                return true;
            }
        }
        return false;
    }

    private static boolean anyOver(Bound[] bounds) {
        for (Bound b : bounds) {
            if (b.over()) {
                return true;
            }
        }
        return false;
    }

    /**
     * A collection, then sleeps of 1, 2, 4 ... 256 ms (the JDK's schedule for direct memory, 511 ms at most) while
     * the cleaner thread releases: it stops once the cleaner thread has run a canary registered before the
     * collection, is back waiting for work, and a sleep saw no release (what is left is in use); or once every bound
     * of {@code enough} counts at most half its base. Judged by "a sleep saw no release" alone, a cleaner thread not
     * yet scheduled after the collection looked like nothing to release, and the limit doubled: 3,135 segments held
     * at once in a loop of dropped objects instead of ~1,100; with the canary but not the idle check, a cleaner
     * thread descheduled while releasing (a loaded machine) did the same twice in a row (2,469, 1 run of 3). A
     * creation refused for want of fds ({@code enough} empty) waits for every release (the counts may be far under
     * the bounds when the fd limit is low).
     */
    private static void collect(Bound... enough) {
        AtomicBoolean canary = new AtomicBoolean();
        Releaser.CLEANER.register(new Object(), () -> canary.set(true));
        System.gc();
        long before = total();
        for (long sleep = 1; sleep <= 256; sleep *= 2) {
            if (enough.length > 0 && allUnderHalfBase(enough)) {
                return;
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = total();
            if (now == before && canary.get() && idle(releaser)) {
                return;
            }
            before = now;
        }
    }

    /** Whether the cleaner's thread waits for work (its queue was empty when it last looked). */
    private static boolean idle(Thread t) {
        Thread.State state = t == null ? Thread.State.TIMED_WAITING : t.getState();
        return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
    }

    private static boolean allUnderHalfBase(Bound[] bounds) {
        for (Bound b : bounds) {
            if (!b.underHalfBase()) {
                return false;
            }
        }
        return true;
    }

    /** What every bound counts, summed (counts and bytes alike: only its changes matter). */
    private static long total() {
        long sum = 0;
        for (Bound b : ALL) {
            sum += b.count();
        }
        return sum;
    }
}
