package io.forkj.multiprocessing.internal.shm;

import io.forkj.multiprocessing.internal.FdExport;

import java.util.HashMap;
import java.util.Map;

/**
 * Segments re-attached in a SPAWN or standby child, one mapping per received fd: two handles naming the same fd
 * (a Lock passed twice, a Value and its lock) share the mapping instead of closing each other's fd.
 */
public final class Attached {
    private static final Map<Integer, SharedSegment> BY_LOCAL_FD = new HashMap<>();

    private Attached() {
    }

    /** The segment for a handle's exported fd number (mapped on first use). */
    public static synchronized SharedSegment segment(int exportedFd, int size) {
        int local = FdExport.imported(exportedFd);
        SharedSegment known = BY_LOCAL_FD.get(local);
        if (known != null && !known.isClosed()) {
            return known;
        }
        SharedSegment segment = SharedSegment.attach(local, size);
        BY_LOCAL_FD.put(local, segment);
        return segment;
    }
}
