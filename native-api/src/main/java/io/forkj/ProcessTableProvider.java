package io.forkj;

import java.util.ArrayList;
import java.util.List;

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
     * {@link #sample(ProcessIdentity)} for many processes at once, in the order given; an implementation reads
     * them all through one open {@code /proc} handle.
     */
    default List<Optional<Sample>> samples(List<ProcessIdentity> identities) {
        List<Optional<Sample>> result = new ArrayList<>(identities.size());
        for (ProcessIdentity identity : identities) {
            result.add(sample(identity));
        }
        return result;
    }

    /**
     * What one look at a process shows.
     *
     * @param kernelState its state letter
     * @param cpuNanos    time on CPU so far: the first field of {@code /proc/PID/schedstat}, nanoseconds
     */
    record Sample(KernelState kernelState, long cpuNanos) {
    }
}
