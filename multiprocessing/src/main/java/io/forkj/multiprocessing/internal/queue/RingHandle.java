package io.forkj.multiprocessing.internal.queue;

import io.forkj.multiprocessing.internal.FdExport;
import io.forkj.multiprocessing.internal.shm.Attached;
import io.forkj.multiprocessing.internal.shm.SharedSegment;

import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.function.Function;

/**
 * What a queue becomes when it is passed to a SPAWN or standby child: its segment's fd (exported under
 * {@link FdExport}'s contract) and size, and how to rebuild the public object around the re-attached ring.
 */
public final class RingHandle implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int fd;
    private final int size;
    private final Rebuild rebuild;

    private RingHandle(int fd, int size, Rebuild rebuild) {
        this.fd = fd;
        this.size = size;
        this.rebuild = rebuild;
    }

    /** The public queue type to rebuild in the child. */
    public interface Rebuild extends Function<Ring, Object>, Serializable {
    }

    /** Called from a queue's {@code writeReplace}. */
    public static RingHandle of(Ring ring, String what, Rebuild rebuild) throws ObjectStreamException {
        SharedSegment segment = ring.segment();
        return new RingHandle(segment.export(what), segment.size(), rebuild);
    }

    private Object readResolve() throws ObjectStreamException {
        return rebuild.apply(Ring.attach(Attached.segment(fd, size)));
    }
}
