package io.forkj.posix.internal.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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

    /**
     * The stat line of every process now in /proc (zombies included), for the few callers that need a filter
     * the process table does not offer and cannot afford its full scan; a process that exits while listing is
     * left out.
     *
     * @throws java.io.UncheckedIOException if /proc cannot be listed
     */
    public static List<StatLine> all() {
        List<StatLine> result = new ArrayList<>();
        try (var entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path entry : entries) {
                read((int) ProcParser.parseLong(entry.getFileName().toString())).ifPresent(result::add);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return result;
    }
}
