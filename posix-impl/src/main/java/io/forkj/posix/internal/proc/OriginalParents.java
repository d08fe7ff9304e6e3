package io.forkj.posix.internal.proc;

import io.forkj.ProcessIdentity;
import io.forkj.ProcessTable;

import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The parent each process forkj started had at birth, so that {@link ProcessTable#orphans()} is exact for them:
 * a recorded process whose parent pid now differs from the recorded one was orphaned, whatever sessions say.
 * The guarded fork records every child right after {@code fork()} returns in the parent, and forgets it once
 * reaped. Entries for processes that are gone are also dropped by the next snapshot, so a missed
 * {@link #forget} leaks nothing for long.
 */
public final class OriginalParents {
    /** Parent pid and when it was recorded ({@link System#nanoTime()}). */
    private record Entry(int parentPid, long recordedAt) {
    }

    private static final Map<ProcessIdentity, Entry> PARENTS = new ConcurrentHashMap<>();

    private OriginalParents() {
    }

    /**
     * Records that {@code child} was born to {@code parentPid}.
     *
     * @throws IllegalArgumentException if {@code parentPid <= 0}
     */
    public static void record(ProcessIdentity child, int parentPid) {
        if (parentPid <= 0) {
            throw new IllegalArgumentException("parent pid " + parentPid + " does not name a process (must be > 0)");
        }
        PARENTS.put(child, new Entry(parentPid, System.nanoTime()));
    }

    /** Drops the record for {@code child}, once it has been reaped. */
    public static void forget(ProcessIdentity child) {
        PARENTS.remove(child);
    }

    /** The recorded parent of {@code child}, if forkj started it. */
    public static OptionalInt parentOf(ProcessIdentity child) {
        if (PARENTS.isEmpty()) {
            return OptionalInt.empty();
        }
        Entry e = PARENTS.get(child);
        return e == null ? OptionalInt.empty() : OptionalInt.of(e.parentPid());
    }

    /**
     * Drops records, made before {@code scanStartNanos}, of processes the scan did not find: they are gone. A
     * record made after the scan began may be of a process the scan could not yet see, so it stays.
     */
    static void prune(ProcessTable table, long scanStartNanos) {
        PARENTS.entrySet().removeIf(e -> e.getValue().recordedAt() - scanStartNanos < 0
                && table.get(e.getKey()).isEmpty());
    }
}
