package io.forkj.multiprocessing.internal;

import java.time.Duration;

/** The one reading of a Python-style {@code block}/{@code timeout} pair as nanoseconds. */
public final class Timeouts {
    /** No limit. */
    public static final long FOREVER = -1;

    private Timeouts() {
    }

    /**
     * @param timeout null for no limit
     * @return {@link #FOREVER}, 0 for no wait ({@code block} false), else at least 1; a timeout past
     *         {@code toNanos()}'s range has no limit
     * @throws IllegalArgumentException if {@code timeout} is negative (Python's ValueError)
     */
    public static long nanos(boolean block, Duration timeout) {
        if (!block) {
            return 0;
        }
        if (timeout == null) {
            return FOREVER;
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout " + timeout + " must not be negative (Python: ValueError)");
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return FOREVER;
        }
        return Math.max(nanos, 1);
    }
}
