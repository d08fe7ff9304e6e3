package io.forkj.posix.internal.fork;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The guarded fork's replaced children, counted by why the child did not reach its body: the causes differ in
 * what they say about a JVM (a lock held or a safepoint under way at the fork passes by itself; a stall with no
 * cause seen in the parent is one forkj's child path should not have), and one total hides which of them a
 * change moved. Read by the stall benchmark and the stall tests.
 */
public final class StartRetries {
    /** Why a started child was killed and replaced before its body. */
    public enum Cause {
        /** The child found a JVM lock held by another thread at the fork and said so on its start pipe. */
        LOCK_HELD,
        /** The child stalled and HotSpot's safepoint counter moved across the fork. */
        SAFEPOINT,
        /** The child stalled with no cause seen in the parent. */
        STALLED,
        /**
         * The child found its eden too full to start its body without a collection, which it cannot run
         * ({@link AllocationBudget#shortInChild()}), and said so on its start pipe.
         */
        SHORT_BUDGET
    }

    private static final AtomicLongArray COUNTS = new AtomicLongArray(Cause.values().length);

    private StartRetries() {
    }

    /** Counts one replaced child. */
    public static void record(Cause cause) {
        COUNTS.incrementAndGet(cause.ordinal());
    }

    /** Replaced children of this cause since the JVM started. */
    public static long count(Cause cause) {
        return COUNTS.get(cause.ordinal());
    }

    /** Replaced children of every cause since the JVM started. */
    public static long total() {
        long sum = 0;
        for (Cause cause : Cause.values()) {
            sum += count(cause);
        }
        return sum;
    }
}
