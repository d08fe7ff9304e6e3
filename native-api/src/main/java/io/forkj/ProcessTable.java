package io.forkj;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
     * @throws PosixException           ({@code EACCES}, {@code EPERM}) if the process exists but may not be read
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

    /**
     * {@link #threeState(ProcessInfo, Duration)} for many processes with ONE sampling window: every process is
     * sampled once, then, if any was {@code R}, the window passes once and only those are sampled again. A
     * table of a thousand processes with ten runnable ones costs one window, not ten, and no window at all
     * when none is runnable.
     *
     * @return the three-state value of each process, in the order given (empty where it has exited)
     * @throws IllegalArgumentException if {@code window} is not positive
     */
    static List<Optional<ThreeState>> threeStates(List<ProcessInfo> processes, Duration window) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("sampling window " + window + " must be positive");
        }
        ProcessTableProvider provider = ProcessTableHolder.provider();
        List<ProcessIdentity> ids = new ArrayList<>(processes.size());
        for (ProcessInfo p : processes) {
            ids.add(p.identity());
        }
        List<Optional<ProcessTableProvider.Sample>> first = provider.samples(ids);
        List<Optional<ThreeState>> result = new ArrayList<>(processes.size());
        List<Integer> runnable = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            Optional<ProcessTableProvider.Sample> s = first.get(i);
            if (s.isPresent() && s.get().kernelState() == KernelState.RUNNABLE) {
                runnable.add(i);
                result.add(Optional.empty());
            } else {
                result.add(s.flatMap(x -> x.kernelState().threeState(false)));
            }
        }
        if (runnable.isEmpty()) {
            return result;
        }
        try {
            Thread.sleep(window.toMillis(), window.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<ProcessIdentity> again = new ArrayList<>(runnable.size());
        for (int i : runnable) {
            again.add(ids.get(i));
        }
        List<Optional<ProcessTableProvider.Sample>> second = provider.samples(again);
        for (int k = 0; k < runnable.size(); k++) {
            int i = runnable.get(k);
            long before = first.get(i).orElseThrow().cpuNanos();
            result.set(i, second.get(k).flatMap(s -> s.kernelState().threeState(s.cpuNanos() > before)));
        }
        return result;
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
        return new ProcessTableSnapshot(takenAt, processes, List.of());
    }

    /**
     * A table over given rows and the pids the scan saw but could not read, for implementations and tests.
     *
     * @throws IllegalArgumentException naming a pid that appears twice, or both as a row and as unreadable
     */
    static ProcessTable of(Instant takenAt, Collection<ProcessInfo> processes, Collection<Integer> unreadable) {
        return new ProcessTableSnapshot(takenAt, processes, unreadable);
    }

    /** When the scan started. */
    Instant takenAt();

    /** Every process the scan could read, by ascending pid (see {@link #unreadable()} for the others). */
    List<ProcessInfo> all();

    /**
     * The pids the scan found in {@code /proc} but was not allowed to read ({@code EACCES}/{@code EPERM}, e.g. with
     * {@code /proc} mounted {@code hidepid=1}), by ascending pid. They exist and are in none of the other lists:
     * psutil raises {@code AccessDenied} for them; forkj reports them here instead of pretending they are gone.
     */
    List<Integer> unreadable();

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
