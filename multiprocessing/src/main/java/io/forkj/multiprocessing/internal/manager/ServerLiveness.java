package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.internal.shm.Liveness;
import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcParser;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;

/**
 * {@link Liveness}'s rule (gone, or {@link Liveness#showsEnded}: a zombie, another process under the pid; a stat
 * that cannot be read is not dead) read through java.nio: the server is its own JVM, which never
 * forks, and without this its first connection loaded the native binding (~150–300 ms) only to read one file.
 */
final class ServerLiveness {
    /** What a look in {@code /proc} found. */
    enum Seen { ALIVE, DEAD, UNREADABLE }

    private ServerLiveness() {
    }

    /** Whether {@code process} has ended by {@code /proc}; false while it lives and when its stat may not be read. */
    static boolean isDead(OwnedCells.Owner process) {
        return look(process) == Seen.DEAD;
    }

    /** Whether {@code /proc} shows {@code process} alive with its start time (not just "not seen dead"). */
    static boolean isSeenAlive(OwnedCells.Owner process) {
        return process.startTime() != 0 && look(process) == Seen.ALIVE;
    }

    private static Seen look(OwnedCells.Owner process) {
        if (process.pid() <= 0) {
            return Seen.UNREADABLE;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(ProcFs.kernelPid(process.pid(), "stat"));
        } catch (NoSuchFileException gone) {
            return Seen.DEAD;
        } catch (AccessDeniedException hidden) {
            return Seen.UNREADABLE;
        } catch (IOException racedWithExit) {
            // ESRCH: it exited between the open and the read
            return Seen.DEAD;
        }
        if (bytes.length == 0) {
            return Seen.DEAD;
        }
        return Liveness.showsEnded(ProcParser.stat(bytes, bytes.length), process.startTime()) ? Seen.DEAD : Seen.ALIVE;
    }
}
