package io.forkj.signals;

import io.forkj.PosixException;
import io.forkj.posix.internal.libc.Native;

/**
 * {@code prctl(PR_SET_CHILD_SUBREAPER)}: orphaned descendants of this process are re-parented to it instead of
 * to init, as in tini and systemd's service manager. They then need reaping here: see {@link Reaper}.
 */
public final class Subreaper {
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int PR_GET_CHILD_SUBREAPER = 37;

    private Subreaper() {
    }

    /** {@code prctl(PR_SET_CHILD_SUBREAPER, 1)}: this process adopts its orphaned descendants from now on. */
    public static void enable() {
        set(1);
    }

    /** {@code prctl(PR_SET_CHILD_SUBREAPER, 0)}: orphans go to the next subreaper up, or init, again. */
    public static void disable() {
        set(0);
    }

    /** {@code prctl(PR_GET_CHILD_SUBREAPER, &flag)}. */
    public static boolean isEnabled() {
        int[] flag = new int[1];
        if (Native.libc().prctl(PR_GET_CHILD_SUBREAPER, flag, 0, 0, 0) != 0) {
            throw new PosixException("prctl(PR_GET_CHILD_SUBREAPER)", Native.errno());
        }
        return flag[0] != 0;
    }

    private static void set(int on) {
        if (Native.libc().prctl(PR_SET_CHILD_SUBREAPER, on, 0, 0, 0) != 0) {
            throw new PosixException("prctl(PR_SET_CHILD_SUBREAPER, " + on + ")", Native.errno());
        }
    }
}
