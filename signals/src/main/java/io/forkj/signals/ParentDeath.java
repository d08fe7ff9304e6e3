package io.forkj.signals;

import io.forkj.Signal;
import io.forkj.posix.internal.libc.Native;

/**
 * The parent-death signal, {@code prctl(PR_SET_PDEATHSIG, sig)}: the child gets {@code sig} when its parent
 * dies, which gives Python's {@code daemon=True} its meaning (the child does not outlive its parent).
 *
 * <p>{@link #arm} is made to run in a freshly forked JVM child: it allocates nothing, loads no class and throws
 * nothing on its path, and this class warms every call it makes when it is loaded in the parent (load it
 * before forking, e.g. with {@link #warmUp()}). Use {@code SIGKILL} in a forked JVM child: the JVM's own
 * SIGTERM handler is still installed there but has no thread left to run it, so SIGTERM would do nothing unless
 * the child reset it to {@code SIG_DFL}.
 */
public final class ParentDeath {
    private static final int PR_SET_PDEATHSIG = 1;
    private static final int PR_GET_PDEATHSIG = 2;

    static {
        // Runs each native call arm() makes once, so the child never links a call path for the first time.
        int[] current = new int[1];
        Native.libc().prctl(PR_GET_PDEATHSIG, current, 0, 0, 0);
        Native.libc().prctl(PR_SET_PDEATHSIG, current[0], 0, 0, 0);
        Native.posix().getppid();
        Native.posix().getpid();
        Native.posix().kill(Native.posix().getpid(), 0);
        Signal.SIGKILL.number();
    }

    private ParentDeath() {
    }

    /** Loads this class and links its calls; call it in the parent before forking. */
    public static void warmUp() {
        // the static initializer does the work
    }

    /**
     * In a child: asks for {@code signal} when the parent dies, then checks that {@code expectedParent} is still
     * the parent, as prctl(2) advises. If the parent died before the prctl took effect the child has already
     * been adopted (getppid changed) and no signal will ever come, so {@code signal} is sent to the child itself
     * at once.
     *
     * @param expectedParent the parent's pid, taken in the parent before fork (or by the child right after)
     * @param signal         the signal to receive, usually {@link Signal#SIGKILL}
     * @return true if armed and the parent is alive; false if the parent was already gone (the signal was sent
     *         to this process; if it survived it, e.g. because the signal is handled, it should {@code _exit})
     */
    public static boolean arm(int expectedParent, Signal signal) {
        Native.libc().prctl(PR_SET_PDEATHSIG, signal.number(), 0, 0, 0);
        if (Native.posix().getppid() != expectedParent) {
            Native.posix().kill(Native.posix().getpid(), signal.number());
            return false;
        }
        return true;
    }
}
