package io.forkj;

import java.util.Optional;

/**
 * The service interface behind {@link ProcessTable}'s static methods, found with {@link java.util.ServiceLoader}
 * ({@code forkj-posix} provides the Linux {@code /proc} reader). Applications call {@link ProcessTable}.
 */
public interface ProcessTableProvider {

    /** One scan of every process; with command lines if {@code commandLines}. */
    ProcessTable snapshot(boolean commandLines);

    /** One process now, with its command line; empty if there is no such process. */
    Optional<ProcessInfo> process(int pid);

    /**
     * The state letter and time on CPU of a process now, if it is still the process {@code identity} names.
     * Empty once it is gone or its pid belongs to another process.
     */
    Optional<Sample> sample(ProcessIdentity identity);

    /**
     * What one look at a process shows.
     *
     * @param kernelState its state letter
     * @param cpuNanos    time on CPU so far: the first field of {@code /proc/PID/schedstat}, nanoseconds
     */
    record Sample(KernelState kernelState, long cpuNanos) {
    }
}
