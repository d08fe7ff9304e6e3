package io.forkj.posix.internal.proc;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads {@code /proc/PID/stat} and hands the text to {@link ProcParser}: acquisition kept apart from parsing. */
public final class ProcStat {
    private ProcStat() {
    }

    /**
     * The parsed stat line of {@code pid}, or empty when no process has that pid (gone, or reaped while we read).
     *
     * @throws java.io.UncheckedIOException for any other read failure
     */
    public static Optional<StatLine> read(int pid) {
        return ProcFs.read(ProcFs.system().pid(pid, "stat")).map(ProcParser::stat);
    }

    /** The start time (field 22) of {@code pid}, or -1 when no process has that pid. */
    public static long startTime(int pid) {
        return read(pid).map(StatLine::startTime).orElse(-1L);
    }

    /**
     * The stat line of every process now in /proc (zombies included), for the few callers that need a filter
     * the process table does not offer and cannot afford its full scan; a process that exits while listing, or
     * whose stat may not be read, is left out. The same scan as the process table's ({@link ProcReader}).
     *
     * @throws io.forkj.PosixException if the /proc root cannot be listed
     */
    public static List<StatLine> all() {
        List<StatLine> result = new ArrayList<>();
        try (ProcReader reader = ProcReader.open(ProcFs.system())) {
            for (int pid : reader.pids()) {
                int n = reader.read(pid, ProcReader.STAT);
                if (n > 0) {
                    result.add(ProcParser.stat(reader.bytes(), n));
                }
            }
        }
        return result;
    }
}
