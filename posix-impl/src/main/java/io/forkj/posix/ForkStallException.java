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
    private final String evidence;

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
        this.evidence = "";
    }

    /**
     * A stall recognised as soon as it happened, before the deadline: the child was provably blocked for ever.
     *
     * @param pid              the killed child
     * @param deadline         the deadline it would have missed
     * @param allocationBudget {@link Fork#allocationBudget()} at fork time
     * @param gcBeforeFork     whether a GC ran before the fork
     * @param afterNanos       how long after the fork it was recognised
     * @param inBody           true if the child had started its body; false for a stall in the fork or the
     *                         child's set-up (which {@link Fork#run} retries, so a caller sees it only when every
     *                         attempt stalled)
     * @param waitChannel      {@code /proc/PID/wchan} before the kill ("" if unread)
     * @param evidence         what {@code /proc} showed, e.g. {@code state S, 1 thread, futex(.., FUTEX_WAIT_BITSET|
     *                         FUTEX_PRIVATE_FLAG|FUTEX_CLOCK_REALTIME, no timeout)}
     */
    public ForkStallException(int pid, Duration deadline, long allocationBudget, boolean gcBeforeFork, long afterNanos,
                              boolean inBody, String waitChannel, String evidence) {
        super("forked child " + pid + " stalled " + (inBody ? "in its body" : "before its body started (every attempt)")
                + ", recognised " + afterNanos / 1_000_000 + " ms after the fork, before its deadline of " + deadline
                + " (" + evidence + "); killed with SIGKILL and reaped. It was blocked on a futex. Likely cause: "
                + (inBody ? "a GC the body needed (it allocated past its budget of " + allocationBudget + " bytes"
                        + (gcBeforeFork ? ", measured after a GC" : "") + "), a class loaded or a call site bootstrapped "
                        + "for the first time in the child, a JIT request, or a Java monitor another thread held at the fork; remedies: less allocation, gcBeforeFork(true), "
                        + "-Xmn, code the parent has already run, or SPAWN for long or allocating work"
                        : "a safepoint or a JIT lock held by another thread at the fork, every time"));
        this.pid = pid;
        this.deadline = deadline;
        this.allocationBudget = allocationBudget;
        this.state = 'S';
        this.waitChannel = waitChannel;
        this.evidence = evidence;
    }

    /**
     * The same stall reported again, to a later caller and with that caller's stack: every wait on a stalled child
     * after the first throws one of these, whose cause is the first report (made wherever the stall was
     * recognised, perhaps in another thread or an unrelated call such as {@code isAlive()}).
     */
    ForkStallException(ForkStallException first) {
        super(first.getMessage(), first);
        this.pid = first.pid;
        this.deadline = first.deadline;
        this.allocationBudget = first.allocationBudget;
        this.state = first.state;
        this.waitChannel = first.waitChannel;
        this.evidence = first.evidence;
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

    /**
     * What proved the child blocked for ever when the stall was recognised before the deadline (its state, thread
     * count and futex call from {@code /proc}); "" for a stall found at the deadline.
     */
    public String evidence() {
        return evidence;
    }

    /** True when the stall was recognised before the deadline from {@code /proc}, false when the deadline ended it. */
    public boolean recognisedEarly() {
        return !evidence.isEmpty();
    }

    /** The kernel function the child slept in ({@code /proc/PID/wchan}), e.g. {@code futex_do_wait}; "" if none. */
    public String waitChannel() {
        return waitChannel;
    }
}
