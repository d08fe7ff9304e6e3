package io.forkj.posix.internal.proc;

import io.forkj.ProcessIdentity;
import io.forkj.ProcessTableProvider.Sample;

import java.util.Optional;

/**
 * Repeated samples of processes through one open {@code /proc} handle, for a sampler that looks every few
 * milliseconds (the lifecycle tracker): opening a reader costs a 16 KiB buffer (and, once the native binding is loaded, an fd), so a sampler
 * keeps one instead of opening one per look. Not thread-safe: one sampler per sampling thread.
 */
public final class ProcSampler implements AutoCloseable {
    private final ProcReader reader = ProcReader.open(ProcFs.system());

    /** The state letter and time on CPU of {@code identity} now; empty once it is gone or its pid recycled. */
    public Optional<Sample> sample(ProcessIdentity identity) {
        return LinuxProcessTable.sample(reader, identity);
    }

    @Override
    public void close() {
        reader.close();
    }
}
