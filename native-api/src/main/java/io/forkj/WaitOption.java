package io.forkj;

import java.util.Collection;

/**
 * Flags for {@code waitpid(2)} and {@code waitid(2)}, with Linux's values; Python's {@code os.WNOHANG} and
 * friends, Rust nix's {@code WaitPidFlag}. Pass them as a set (varargs): {@code waitpid(pid, WNOHANG, WUNTRACED)}.
 */
public enum WaitOption {
    /** Return at once with {@link WaitStatus.NoChange} if no child has changed state. waitpid and waitid. */
    WNOHANG(1, true, true),
    /** Also report children stopped by a signal (waitpid only; waitid's equivalent is {@link #WSTOPPED}). */
    WUNTRACED(2, true, false),
    /** Report stopped children (waitid). Same bit as {@link #WUNTRACED}. */
    WSTOPPED(2, false, true),
    /** Report children that exited or were killed (waitid; implied by waitpid). */
    WEXITED(4, false, true),
    /** Also report stopped children resumed by {@code SIGCONT}. waitpid and waitid. */
    WCONTINUED(8, true, true),
    /** Leave the child waitable: report its state without reaping it (waitid only). */
    WNOWAIT(0x01000000, false, true);

    private final int bit;
    private final boolean forWaitpid;
    private final boolean forWaitid;

    WaitOption(int bit, boolean forWaitpid, boolean forWaitid) {
        this.bit = bit;
        this.forWaitpid = forWaitpid;
        this.forWaitid = forWaitid;
    }

    /** The flag's value in C. */
    public int bit() {
        return bit;
    }

    /** True if {@code waitpid(2)} accepts this flag. */
    public boolean appliesToWaitpid() {
        return forWaitpid;
    }

    /** True if {@code waitid(2)} accepts this flag. */
    public boolean appliesToWaitid() {
        return forWaitid;
    }

    /**
     * OR of the flags, refusing any that {@code waitpid(2)} does not accept.
     *
     * @throws IllegalArgumentException naming the flag that only waitid accepts
     */
    public static int waitpidFlags(WaitOption... options) {
        int flags = 0;
        for (WaitOption o : options) {
            if (!o.forWaitpid) {
                throw new IllegalArgumentException(o + " is a waitid(2) flag; waitpid(2) accepts WNOHANG, WUNTRACED and WCONTINUED");
            }
            flags |= o.bit;
        }
        return flags;
    }

    /**
     * OR of the flags, refusing any that {@code waitid(2)} does not accept.
     *
     * @throws IllegalArgumentException naming the flag that only waitpid accepts
     */
    public static int waitidFlags(Collection<WaitOption> options) {
        int flags = 0;
        for (WaitOption o : options) {
            if (!o.forWaitid) {
                throw new IllegalArgumentException(o + " is a waitpid(2) flag; waitid(2) takes WSTOPPED instead");
            }
            flags |= o.bit;
        }
        return flags;
    }
}
