package io.forkj;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * One snapshot of every process, from a single scan of {@code /proc}: what {@code ps -e}, {@code pstree} and
 * psutil's {@code process_iter()} show. Every question a table answers ({@link #children}, {@link #tree},
 * {@link #zombies}, {@link #orphans}) is answered from that one scan, built around one parent-pid index as
 * psutil's {@code Process.children()} is, so the answers agree with each other. A process that exits during the
 * scan is left out, never an error.
 *
 * <pre>{@code
 * ProcessTable table = ProcessTable.snapshot();
 * for (ProcessTable.Zombie z : table.zombies())
 *     System.out.println(z.process().pid() + " is not reaped by " + z.parentPid() + " (" + z.parentComm() + ")");
 * }</pre>
 */
public interface ProcessTable {

    /** The sampling window {@link #threeState(ProcessInfo)} and {@link #fiveState(ProcessInfo)} use: 10 ms. */
    Duration DEFAULT_SAMPLING_WINDOW = Duration.ofMillis(10);

    /** What a snapshot reads beyond {@code /proc/PID/stat} and {@code /proc/PID/status}. */
    enum Detail {
        /** {@code /proc/PID/cmdline}: one more file per process, so not read unless asked for. */
        COMMAND_LINE
    }

    /**
     * Scans {@code /proc} once: every process, without command lines (see {@link #snapshot(Detail...)}).
     *
     * @throws IllegalStateException if no implementation ({@code forkj-posix}) is on the class path
     */
    static ProcessTable snapshot() {
        return ProcessTableHolder.provider().snapshot(false);
    }

    /** Scans {@code /proc} once, reading the extra {@code details} for every process. */
    static ProcessTable snapshot(Detail... details) {
        boolean commandLines = false;
        for (Detail d : details) {
            commandLines |= d == Detail.COMMAND_LINE;
        }
        return ProcessTableHolder.provider().snapshot(commandLines);
    }

    /**
     * One process now, with its command line (psutil's {@code Process(pid)}); empty if there is none. Its
     * orphan flag follows the same rule as in a snapshot.
     *
     * @throws IllegalArgumentException if {@code pid <= 0}
     */
    static Optional<ProcessInfo> process(int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid " + pid + " does not name a single process (must be > 0)");
        }
        return ProcessTableHolder.provider().process(pid);
    }

    /**
     * The process's three-state value NOW (not at the time {@code process} was read), looking for
     * {@code window}: for the kernel's {@code R}, which covers both, RUNNING if its time on CPU
     * ({@code /proc/PID/schedstat}, first field, nanoseconds) grew during the window and READY if it did not.
     * Other letters need no window and map as {@link KernelState#threeState(boolean)} says. Empty if the process
     * has exited (zombie or gone) or its pid now belongs to another process. Blocks for up to {@code window}.
     *
     * @throws IllegalArgumentException if {@code window} is not positive
     */
    static Optional<ThreeState> threeState(ProcessInfo process, Duration window) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("sampling window " + window + " must be positive");
        }
        ProcessTableProvider provider = ProcessTableHolder.provider();
        Optional<ProcessTableProvider.Sample> first = provider.sample(process.identity());
        if (first.isEmpty() || first.get().kernelState() != KernelState.RUNNABLE) {
            return first.flatMap(s -> s.kernelState().threeState(false));
        }
        try {
            Thread.sleep(window.toMillis(), window.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return provider.sample(process.identity())
                .flatMap(s -> s.kernelState().threeState(s.cpuNanos() > first.get().cpuNanos()));
    }

    /** {@link #threeState(ProcessInfo, Duration)} with {@link #DEFAULT_SAMPLING_WINDOW}. */
    static Optional<ThreeState> threeState(ProcessInfo process) {
        return threeState(process, DEFAULT_SAMPLING_WINDOW);
    }

    /**
     * The five-state value NOW, sampled as {@link #threeState(ProcessInfo, Duration)} does; TERMINATED if it has
     * exited, whether it is a zombie or already reaped.
     */
    static FiveState fiveState(ProcessInfo process, Duration window) {
        return threeState(process, window).map(FiveState::of).orElse(FiveState.TERMINATED);
    }

    /** {@link #fiveState(ProcessInfo, Duration)} with {@link #DEFAULT_SAMPLING_WINDOW}. */
    static FiveState fiveState(ProcessInfo process) {
        return fiveState(process, DEFAULT_SAMPLING_WINDOW);
    }

    /**
     * A table over given rows, for implementations and tests: each pid must appear once.
     *
     * @throws IllegalArgumentException naming a pid that appears twice
     */
    static ProcessTable of(Instant takenAt, Collection<ProcessInfo> processes) {
        return new ProcessTableSnapshot(takenAt, processes);
    }

    /** When the scan started. */
    Instant takenAt();

    /** Every process, by ascending pid. */
    List<ProcessInfo> all();

    /** The process with this pid, if it was there. */
    Optional<ProcessInfo> get(int pid);

    /** The process with this identity, if it was there: empty if the pid was recycled for another process. */
    Optional<ProcessInfo> get(ProcessIdentity identity);

    /** The direct children of {@code pid}, by ascending pid (psutil's {@code children()}). */
    List<ProcessInfo> children(int pid);

    /** Children, grandchildren and so on of {@code pid}, breadth first ({@code children(recursive=True)}). */
    List<ProcessInfo> descendants(int pid);

    /**
     * The process forest, as {@code pstree} draws it: one root for each process whose parent is not in the
     * table (init and kthreadd, or everything under a pid namespace's root).
     */
    List<Node> tree();

    /** The subtree under {@code pid}, if it was there. */
    Optional<Node> tree(int pid);

    /** Every zombie ({@code Z}), each with its parent: the process that fails to reap it. */
    List<Zombie> zombies();

    /**
     * Every orphan: a process whose parent exited first, so that init or the nearest subreaper
     * ({@code prctl(PR_SET_CHILD_SUBREAPER)}) adopted it. For processes forkj started the answer is exact: the
     * original parent was recorded at fork, and a process whose parent pid differs from it is an orphan. For
     * every other process the rule needs only {@code /proc}: a process that does not lead its own session and
     * whose current parent is in another session is an orphan, since a child inherits its parent's session and
     * only an adopter can be elsewhere. So a session leader (a service started with {@code setsid}) is never one,
     * while a double-forked daemon is, on purpose. The rule's limit: a process adopted by a subreaper in its own
     * session looks like an ordinary child from {@code /proc} alone, and is not reported.
     */
    List<ProcessInfo> orphans();

    /**
     * One process and its children in {@link #tree()}.
     *
     * @param process  the process
     * @param children its children, by ascending pid
     */
    record Node(ProcessInfo process, List<Node> children) {
        /** Copies the children. */
        public Node {
            children = List.copyOf(children);
        }
    }

    /**
     * A zombie and the parent that has not reaped it.
     *
     * @param process the zombie
     * @param parent  its parent, if it was still in the table when the scan read it
     */
    record Zombie(ProcessInfo process, Optional<ProcessInfo> parent) {
        /** The parent's pid: the process that should call {@code wait}. */
        public int parentPid() {
            return process.ppid();
        }

        /** The parent's command name, or {@code "?"} if it exited during the scan. */
        public String parentComm() {
            return parent.map(ProcessInfo::comm).orElse("?");
        }
    }
}

/** Loads the implementation once, on first use; a missing one fails every call the same way (see PosixHolder). */
final class ProcessTableHolder {
    private ProcessTableHolder() {
    }

    private static final ProcessTableProvider PROVIDER = ServiceLoader
            .load(ProcessTableProvider.class, ProcessTableProvider.class.getClassLoader())
            .findFirst()
            .orElse(null);

    static ProcessTableProvider provider() {
        if (PROVIDER == null) {
            throw new IllegalStateException(
                    "no io.forkj.ProcessTableProvider implementation on the class path: add io.forkj:forkj-posix");
        }
        return PROVIDER;
    }
}
