package io.forkj.posix.internal.proc;

import io.forkj.KernelState;
import io.forkj.PosixException;
import io.forkj.ProcessIdentity;
import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import io.forkj.ProcessTableProvider;
import io.forkj.posix.internal.children.KnownChildren;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code /proc} implementation of {@link ProcessTable}: per process it reads {@code stat} (identity, ids,
 * state, nice, threads) and, unless {@code stat} shows a kernel thread, {@code status} ({@code Uid:}, and
 * {@code VmLck:} for the {@code L} in STAT, which no other file gives; the uid comes free with it), plus
 * {@code cmdline} when asked. Registered with ServiceLoader.
 */
public final class LinuxProcessTable implements ProcessTableProvider {
    private static final long CLOCK_TICKS = StartTimes.TICKS_PER_SECOND;
    private static final long BOOT_EPOCH_SECONDS = ProcFs.system().bootTimeSeconds();
    /** Session of a parent the scan did not see. */
    private static final int UNKNOWN = Integer.MIN_VALUE;

    private final ProcFs procFs;
    private final long bootEpochSeconds;

    /** Used by ServiceLoader: the configured root ({@link ProcFs#system()}). */
    public LinuxProcessTable() {
        this(ProcFs.system());
    }

    /** A table of the tree at {@code procFs}, such as a captured fixture, with that tree's boot time. */
    LinuxProcessTable(ProcFs procFs) {
        this.procFs = procFs;
        this.bootEpochSeconds = procFs == ProcFs.system() ? BOOT_EPOCH_SECONDS : procFs.bootTimeSeconds();
    }

    /** Wall-clock time of a start time in clock ticks after boot ({@code starttime} of /proc/PID/stat). */
    public static Instant startInstant(long ticks) {
        return startInstant(BOOT_EPOCH_SECONDS, ticks);
    }

    private static Instant startInstant(long bootEpochSeconds, long ticks) {
        return Instant.ofEpochSecond(bootEpochSeconds + ticks / CLOCK_TICKS,
                (ticks % CLOCK_TICKS) * (1_000_000_000L / CLOCK_TICKS));
    }

    /** One process's files, parsed, before the table is assembled. */
    private record Row(StatLine stat, StatusFields status, List<String> cmdline) {
    }

    @Override
    public ProcessTable snapshot(boolean commandLines) {
        Instant takenAt = Instant.now();
        long scanStart = System.nanoTime();
        Row[] rows;
        int count = 0;
        List<Integer> unreadable = new ArrayList<>(0);
        try (ProcReader reader = ProcReader.open(procFs)) {
            int[] pids = reader.pids();
            Arrays.sort(pids);
            rows = new Row[pids.length];
            for (int pid : pids) {
                Row row = read(reader, pid, commandLines);
                if (row == DENIED) {
                    unreadable.add(pid);
                } else if (row != null) {
                    rows[count++] = row;
                }
            }
        }
        // Sessions by pid, for the orphan rule: rows are in pid order, so a binary search finds a parent.
        int[] pids = new int[count];
        for (int i = 0; i < count; i++) {
            pids[i] = rows[i].stat().pid();
        }
        List<ProcessInfo> infos = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int parent = Arrays.binarySearch(pids, rows[i].stat().ppid());
            infos.add(info(rows[i], parent < 0 ? UNKNOWN : rows[parent].stat().session()));
        }
        ProcessTable table = ProcessTable.of(takenAt, infos, unreadable);
        if (procFs == ProcFs.system()) {
            // Records are of this kernel's processes: a table of another tree (a fixture) says nothing of them.
            KnownChildren.prune(table, scanStart);
        }
        return table;
    }

    /** The status of every kernel thread: real uid 0, no locked memory. */
    private static final StatusFields KERNEL_THREAD = new StatusFields(0, 0);

    /** What {@link #read} answers for a process that exists but may not be read. */
    private static final Row DENIED = new Row(null, null, null);

    /** Reads one process: null if it vanished meanwhile, {@link #DENIED} if it may not be read. */
    private static Row read(ProcReader reader, int pid, boolean commandLine) {
        int n = reader.read(pid, ProcReader.STAT);
        if (n <= 0) {
            return n == ProcReader.UNREADABLE ? DENIED : null;
        }
        StatLine stat = ProcParser.stat(reader.bytes(), n);
        StatusFields status;
        if (stat.isKernelThread()) {
            // What its status would say, known without the read: the kernel builds all ~55 lines of a status file
            // for every read, over half of a process's cost here, and most of a small system's entries are these.
            status = KERNEL_THREAD;
        } else {
            n = reader.read(pid, ProcReader.STATUS);
            if (n <= 0) {
                return n == ProcReader.UNREADABLE ? DENIED : null;
            }
            status = ProcParser.status(reader.bytes(), n);
        }
        List<String> cmdline = null;
        if (commandLine) {
            n = reader.read(pid, ProcReader.CMDLINE);
            if (n == ProcReader.GONE) {
                return null;
            }
            cmdline = n < 0 ? null : ProcParser.cmdline(reader.bytes(), n);
        }
        return new Row(stat, status, cmdline);
    }

    private ProcessInfo info(Row row, int parentSession) {
        StatLine s = row.stat();
        ProcessIdentity identity = new ProcessIdentity(s.pid(), s.startTime());
        Optional<List<String>> cmdline = row.cmdline() == null || row.cmdline().isEmpty()
                ? Optional.empty() : Optional.of(row.cmdline());
        return new ProcessInfo(identity, s.ppid(), s.pgrp(), s.session(), s.ttyNr(), s.tpgid(), s.comm(), cmdline,
                row.status().uid(), KernelState.of(s.state()), ProcParser.psStat(s, row.status().lockedKb()),
                startInstant(bootEpochSeconds, s.startTime()), s.numThreads(), s.nice(), isOrphan(identity, s, parentSession));
    }

    /**
     * The orphan rule of {@link ProcessTable#orphans()}: exact for processes in {@link KnownChildren}; for the
     * rest, not its own session leader and its parent in another session.
     */
    static boolean isOrphan(ProcessIdentity identity, StatLine s, int parentSession) {
        OptionalInt recorded = KnownChildren.originalParent(identity);
        if (recorded.isPresent()) {
            return s.ppid() != recorded.getAsInt();
        }
        return s.session() != s.pid() && s.ppid() > 0 && parentSession != UNKNOWN && parentSession != s.session();
    }

    @Override
    public Optional<ProcessInfo> process(int pid) {
        try (ProcReader reader = ProcReader.open(procFs)) {
            Row row = read(reader, pid, true);
            if (row == null) {
                return Optional.empty();
            }
            if (row == DENIED) {
                throw new PosixException("open(" + procFs.pid(pid, "stat") + ")", reader.lastErrno());
            }
            int ppid = row.stat().ppid();
            int parentSession = UNKNOWN;
            if (ppid > 0) {
                int n = reader.read(ppid, ProcReader.STAT);
                if (n > 0) {
                    parentSession = ProcParser.stat(reader.bytes(), n).session();
                }
            }
            return Optional.of(info(row, parentSession));
        }
    }

    @Override
    public Optional<Sample> sample(ProcessIdentity identity) {
        try (ProcReader reader = ProcReader.open(procFs)) {
            return sample(reader, identity);
        }
    }

    @Override
    public List<Optional<Sample>> samples(List<ProcessIdentity> identities) {
        List<Optional<Sample>> result = new ArrayList<>(identities.size());
        try (ProcReader reader = ProcReader.open(procFs)) {
            for (ProcessIdentity identity : identities) {
                result.add(sample(reader, identity));
            }
        }
        return result;
    }

    /**
     * The state letter and CPU time of {@code identity} now, through an open reader (the lifecycle sampler keeps
     * one). Time on CPU comes from {@code schedstat} in nanoseconds; a kernel without it (no
     * CONFIG_SCHED_INFO) gets utime + stime, in clock ticks, instead.
     */
    static Optional<Sample> sample(ProcReader reader, ProcessIdentity identity) {
        int n = reader.read(identity.pid(), ProcReader.STAT);
        if (n <= 0) {
            return Optional.empty();
        }
        StatLine stat = ProcParser.stat(reader.bytes(), n);
        if (stat.startTime() != identity.startTimeTicks()) {
            return Optional.empty();
        }
        n = reader.read(identity.pid(), ProcReader.SCHEDSTAT);
        long cpu = n > 0 ? ProcParser.schedstatCpuNanos(reader.bytes(), n)
                : (stat.utime() + stat.stime()) * (1_000_000_000L / CLOCK_TICKS);
        return Optional.of(new Sample(KernelState.of(stat.state()), cpu));
    }
}
