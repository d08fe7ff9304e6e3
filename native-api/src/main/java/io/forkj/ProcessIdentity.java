package io.forkj;

/**
 * Who a process is: its pid plus its start time, as psutil identifies processes. Pids are recycled; the pair
 * is not, so a handle that holds an identity never mistakes a new process for the one it knew.
 *
 * @param pid            the process id, {@code > 0}
 * @param startTimeTicks field 22 of {@code /proc/PID/stat}: clock ticks after boot at which it started
 */
public record ProcessIdentity(int pid, long startTimeTicks) {
    /** Validates the pid. */
    public ProcessIdentity {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid " + pid + " does not name a single process (must be > 0)");
        }
        if (startTimeTicks < 0) {
            throw new IllegalArgumentException("start time " + startTimeTicks + " is negative");
        }
    }
}
