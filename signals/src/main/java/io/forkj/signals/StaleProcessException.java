package io.forkj.signals;

import io.forkj.ProcessIdentity;

import java.util.OptionalLong;

/**
 * A signal was aimed at a process that no longer exists: its pid is free, or was recycled for another process
 * (same pid, different start time). Nothing was signalled. psutil raises {@code NoSuchProcess} in the same case.
 */
public class StaleProcessException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    // serial: a record of two numbers, written as the JDK writes records; the JDK 21+ lint wants Serializable
    @SuppressWarnings("serial")
    private final ProcessIdentity expected;
    private final long currentStartTime;

    /**
     * @param expected         the process the caller meant
     * @param currentStartTime the start time of the process now holding the pid, or -1 if none does
     * @param action           what was refused, e.g. {@code "send SIGTERM"}
     */
    public StaleProcessException(ProcessIdentity expected, long currentStartTime, String action) {
        super("refused to " + action + " to pid " + expected.pid() + ": the process that started at tick "
                + expected.startTimeTicks() + " is gone, "
                + (currentStartTime < 0 ? "and no process has pid " + expected.pid() + " now"
                : "and pid " + expected.pid() + " was recycled for a process that started at tick " + currentStartTime));
        this.expected = expected;
        this.currentStartTime = currentStartTime;
    }

    /** The identity the caller held. */
    public ProcessIdentity expected() {
        return expected;
    }

    /** True when another process now has the pid; false when the pid is free. */
    public boolean isRecycled() {
        return currentStartTime >= 0;
    }

    /** The start time of the process now holding the pid, if any. */
    public OptionalLong currentStartTime() {
        return currentStartTime < 0 ? OptionalLong.empty() : OptionalLong.of(currentStartTime);
    }
}
