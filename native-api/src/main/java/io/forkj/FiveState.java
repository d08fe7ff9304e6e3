package io.forkj;

/**
 * The textbook five-state process model: the three live states plus NEW (created, not started yet) and
 * TERMINATED (exited: a zombie not yet reaped, or gone). See {@link KernelState#fiveState(boolean)} for the
 * mapping from the kernel's letters.
 */
public enum FiveState {
    /** The process object exists but the process has not been seen running yet. */
    NEW,
    /** Runnable, waiting for a CPU. */
    READY,
    /** On a CPU. */
    RUNNING,
    /** Waiting for an event, or stopped. */
    BLOCKED,
    /** Exited: a zombie ({@code Z}), dead ({@code X}) or reaped and gone. */
    TERMINATED;

    /** The five-state equivalent of a live three-state value. */
    public static FiveState of(ThreeState state) {
        switch (state) {
            case READY:
                return READY;
            case RUNNING:
                return RUNNING;
            default:
                return BLOCKED;
        }
    }
}
