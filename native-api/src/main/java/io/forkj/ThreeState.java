package io.forkj;

/**
 * The textbook three-state process model: a live process is running on a CPU, ready to run and waiting for
 * one, or blocked waiting for an event. The kernel's letter {@code R} covers both RUNNING and READY; forkj
 * tells them apart by sampling {@code /proc/PID/schedstat} (see {@link KernelState#threeState(boolean)}).
 * Python's psutil has no such split: its {@code STATUS_RUNNING} is the kernel's {@code R}.
 */
public enum ThreeState {
    /** Runnable, waiting for a CPU: letter {@code R} without CPU time in the sampling window. */
    READY,
    /** On a CPU: letter {@code R} with CPU time in the sampling window. */
    RUNNING,
    /** Waiting for an event, a signal or a tracer: letters S, D, I, P, K, W, T, t. */
    BLOCKED
}
