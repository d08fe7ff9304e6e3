package io.forkj.posix;

import java.time.Duration;

/**
 * A guarded-fork child had not exited when its deadline passed; the parent SIGKILLed and reaped it. No
 * process is left behind. The message names the likely cause from what {@code /proc} showed just before the
 * kill:
 * <ul>
 *   <li>blocked on a futex: the child waited for the JVM's VM thread, which a forked child does not have:
 *       a GC because it allocated past its {@link #allocationBudget() budget}, or a safepoint that was in
 *       progress when the fork happened (another thread had requested one). It would have waited forever;</li>
 *   <li>running: the body simply took longer than the deadline.</li>
 * </ul>
 */
public class ForkStallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int pid;
    private final Duration deadline;
    private final long allocationBudget;
    private final char state;
    private final String waitChannel;

    /**
     * @param pid              the killed child
     * @param deadline         the deadline it missed
     * @param allocationBudget {@link Fork#allocationBudget()} at fork time
     * @param gcBeforeFork     whether a GC ran before the fork
     * @param state            the child's kernel state letter before the kill ('?' if unread)
     * @param waitChannel      {@code /proc/PID/wchan} before the kill ("" if unread)
     */
    public ForkStallException(int pid, Duration deadline, long allocationBudget, boolean gcBeforeFork, char state,
                              String waitChannel) {
        super(message(pid, deadline, allocationBudget, gcBeforeFork, state, waitChannel));
        this.pid = pid;
        this.deadline = deadline;
        this.allocationBudget = allocationBudget;
        this.state = state;
        this.waitChannel = waitChannel;
    }

    private static String message(int pid, Duration deadline, long budget, boolean gc, char state, String wchan) {
        String seen = "state " + state + (wchan.isEmpty() ? "" : ", waiting in " + wchan);
        String cause;
        if (wchan.contains("futex")) {
            cause = "it was blocked on a futex: a forked JVM child has no VM thread, so a GC it needed (after "
                    + "allocating past its budget of " + budget + " bytes" + (gc ? ", measured after a GC" : "")
                    + ") or a safepoint that was in progress at fork time can never complete";
        } else if (state == 'R') {
            cause = "it was still running: the body needs more time than the deadline, or loops";
        } else {
            cause = "it had not finished (allocation budget at fork " + budget + " bytes)";
        }
        return "forked child " + pid + " did not exit within its deadline of " + deadline + " (" + seen
                + "); killed with SIGKILL and reaped. Likely cause: " + cause
                + ". Remedies: gcBeforeFork(true), a larger young generation (-Xmn), less allocation in the body,"
                + " code the parent has already run, or a fresh JVM for long or allocating work";
    }

    /** The pid of the killed and reaped child. */
    public int pid() {
        return pid;
    }

    /** The deadline the child missed. */
    public Duration deadline() {
        return deadline;
    }

    /** {@link Fork#allocationBudget()} just before the fork, in bytes. */
    public long allocationBudget() {
        return allocationBudget;
    }

    /** The kernel state letter of the child just before the kill ('S' sleeping, 'R' running, '?' unknown). */
    public char state() {
        return state;
    }

    /** The kernel function the child slept in ({@code /proc/PID/wchan}), e.g. {@code futex_do_wait}; "" if none. */
    public String waitChannel() {
        return waitChannel;
    }
}
