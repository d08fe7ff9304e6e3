package io.forkj.posix.internal.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
        try {
            return Optional.of(ProcParser.stat(Files.readString(Path.of("/proc", Integer.toString(pid), "stat"))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // A process that exits between open and read makes read(2) fail with ESRCH.
            if (e.getMessage() != null && e.getMessage().contains("No such process")) {
                return Optional.empty();
            }
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The start time (field 22) of {@code pid}, or -1 when no process has that pid. */
    public static long startTime(int pid) {
        return read(pid).map(StatLine::startTime).orElse(-1L);
    }
}
