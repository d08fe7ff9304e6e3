package io.forkj;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link ProcessTable} over one scan. Rows are kept by ascending pid; one parent index (keys
 * {@code ppid << 32 | row}, sorted) answers children, descendants, the tree and zombie parents alike.
 */
final class ProcessTableSnapshot implements ProcessTable {
    private final Instant takenAt;
    private final ProcessInfo[] rows;
    private final int[] pids;
    private final long[] byParent;
    private final List<ProcessInfo> all;
    private final List<Integer> unreadable;

    ProcessTableSnapshot(Instant takenAt, Collection<ProcessInfo> processes, Collection<Integer> unreadable) {
        this.takenAt = Objects.requireNonNull(takenAt, "takenAt");
        rows = processes.toArray(new ProcessInfo[0]);
        Arrays.sort(rows, Comparator.comparingInt(ProcessInfo::pid));
        pids = new int[rows.length];
        byParent = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            pids[i] = rows[i].pid();
            if (i > 0 && pids[i] == pids[i - 1]) {
                throw new IllegalArgumentException("pid " + pids[i] + " appears twice in one process table");
            }
            // ppid is >= 0, so the key sorts by parent, then by the child's row (= its pid order).
            byParent[i] = ((long) rows[i].ppid() << 32) | i;
        }
        Arrays.sort(byParent);
        all = Collections.unmodifiableList(Arrays.asList(rows));
        this.unreadable = unreadable.stream().sorted().distinct().collect(java.util.stream.Collectors.toUnmodifiableList());
        for (int pid : this.unreadable) {
            if (row(pid) >= 0) {
                throw new IllegalArgumentException("pid " + pid + " is both a row and unreadable in one process table");
            }
        }
    }

    @Override
    public List<Integer> unreadable() {
        return unreadable;
    }

    @Override
    public Instant takenAt() {
        return takenAt;
    }

    @Override
    public List<ProcessInfo> all() {
        return all;
    }

    private int row(int pid) {
        return Arrays.binarySearch(pids, pid);
    }

    @Override
    public Optional<ProcessInfo> get(int pid) {
        int r = row(pid);
        return r < 0 ? Optional.empty() : Optional.of(rows[r]);
    }

    @Override
    public Optional<ProcessInfo> get(ProcessIdentity identity) {
        return get(identity.pid()).filter(p -> p.identity().equals(identity));
    }

    /** Rows of the children of {@code pid}: the run of parent keys that start with it. */
    private int[] childRows(int pid) {
        if (pid <= 0) {
            return new int[0];
        }
        int from = Arrays.binarySearch(byParent, (long) pid << 32);
        from = from < 0 ? -from - 1 : from;
        int to = from;
        while (to < byParent.length && (int) (byParent[to] >>> 32) == pid) {
            to++;
        }
        int[] result = new int[to - from];
        for (int i = from; i < to; i++) {
            result[i - from] = (int) byParent[i];
        }
        return result;
    }

    @Override
    public List<ProcessInfo> children(int pid) {
        List<ProcessInfo> result = new ArrayList<>();
        for (int r : childRows(pid)) {
            if (rows[r].pid() != pid) {
                result.add(rows[r]);
            }
        }
        return List.copyOf(result);
    }

    @Override
    public List<ProcessInfo> descendants(int pid) {
        // A pid recycled during the scan could in principle close a loop of parent pids; visiting each row once
        // keeps the walk finite whatever the scan saw.
        boolean[] seen = new boolean[rows.length];
        int self = row(pid);
        if (self >= 0) {
            seen[self] = true;
        }
        List<ProcessInfo> result = new ArrayList<>();
        List<Integer> queue = new ArrayList<>();
        queue.add(pid);
        for (int q = 0; q < queue.size(); q++) {
            for (int r : childRows(queue.get(q))) {
                if (!seen[r]) {
                    seen[r] = true;
                    result.add(rows[r]);
                    queue.add(rows[r].pid());
                }
            }
        }
        return List.copyOf(result);
    }

    @Override
    public List<Node> tree() {
        boolean[] seen = new boolean[rows.length];
        List<Node> roots = new ArrayList<>();
        for (int r = 0; r < rows.length; r++) {
            int parent = rows[r].ppid();
            if (parent == rows[r].pid() || row(parent) < 0) {
                roots.add(node(r, seen));
            }
        }
        return List.copyOf(roots);
    }

    @Override
    public Optional<Node> tree(int pid) {
        int r = row(pid);
        return r < 0 ? Optional.empty() : Optional.of(node(r, new boolean[rows.length]));
    }

    private Node node(int r, boolean[] seen) {
        seen[r] = true;
        List<Node> kids = new ArrayList<>();
        for (int c : childRows(rows[r].pid())) {
            if (!seen[c]) {
                kids.add(node(c, seen));
            }
        }
        return new Node(rows[r], List.copyOf(kids));
    }

    @Override
    public List<Zombie> zombies() {
        List<Zombie> result = new ArrayList<>();
        for (ProcessInfo p : rows) {
            if (p.isZombie()) {
                result.add(new Zombie(p, get(p.ppid())));
            }
        }
        return List.copyOf(result);
    }

    @Override
    public List<ProcessInfo> orphans() {
        List<ProcessInfo> result = new ArrayList<>();
        for (ProcessInfo p : rows) {
            if (p.isOrphan()) {
                result.add(p);
            }
        }
        return List.copyOf(result);
    }

    @Override
    public String toString() {
        return "ProcessTable[" + rows.length + " processes" + (unreadable.isEmpty() ? "" : ", " + unreadable.size() + " unreadable")
                + " at " + takenAt + "]";
    }
}
