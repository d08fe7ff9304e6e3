package io.forkj.multiprocessing;

/**
 * A process died (SIGKILL, {@code terminate()}, a crash, or an exit without releasing) while it held a forkj
 * {@link Lock}, {@link RLock} or semaphore permits: the C equivalent is a robust mutex's {@code EOWNERDEAD}
 * ({@code pthread_mutexattr_setrobust(3)}); CPython's {@code multiprocessing} has none (its locks deadlock for
 * ever). The data the lock protected may be half-updated.
 *
 * <p>The thrower does <em>not</em> hold the lock: forkj has already made the lock (or the permits) free again,
 * so a caller that catches this can repair the data under a fresh {@code acquire()} and go on. Exactly one
 * acquirer sees the exception per death; the others simply get the lock afterwards.
 */
public final class OwnerDiedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int deadPid;
    private final int permits;

    /** For forkj's locks: {@code what} names the lock kind, {@code permits} how many were given back. */
    public OwnerDiedException(String what, int deadPid, int permits) {
        super(what + ": its holder, pid " + deadPid + ", died while holding " + (permits == 1 ? "it" : permits
                + " permits") + "; the data it protects may be inconsistent. The " + (permits == 1 ? "lock is"
                : "permits are") + " free again: acquire again to go on.");
        this.deadPid = deadPid;
        this.permits = permits;
    }

    /** The pid of the holder that died. */
    public int deadPid() {
        return deadPid;
    }

    /** How many permits (1 for a lock) the dead holder had and were returned. */
    public int permits() {
        return permits;
    }
}
