package io.forkj.multiprocessing.internal.shm;

import io.forkj.posix.internal.libc.CPath;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.proc.ProcParser;
import io.forkj.posix.internal.proc.StatLine;

/**
 * Whether the process that recorded itself as a holder is still there: its {@code /proc/PID/stat} exists, is not
 * a zombie ({@code Z}) or dead ({@code X}) — a killed child its parent has not reaped yet holds nothing — and
 * started at the recorded time, so a recycled pid is not mistaken for the holder (psutil's identity rule).
 *
 * <p>A FORK child runs this whenever it has waited a while for a lock, so the file is read with plain
 * {@code openat}/{@code read} into a byte array: never through java.nio, whose every channel registers with the
 * JDK's common {@code Cleaner} under a Java monitor that the parent's cleaner thread may have held at the fork.
 * A FORK producer blocked on it for ever (CI, JDK 25: {@code MpQueueIT}, 115 ms after its fork, its first wait
 * for the queue's mutex long enough to look at the holder).
 */
public final class Liveness {
    private static final int AT_FDCWD = -100;
    private static final int O_RDONLY_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;
    private static final int EACCES = 13;
    private static final int EPERM = 1;
    /** A stat line is at most ~400 bytes: 52 numbers and a command name of at most 64. */
    private static final int STAT_BYTES = 1024;
    private static final byte[] PROC = {'/', 'p', 'r', 'o', 'c', '/'};
    private static final byte[] STAT = {'/', 's', 't', 'a', 't', 0};

    private Liveness() {
    }

    /**
     * @param startTime the holder's start time as it recorded it, or 0 if it had not recorded it yet (then only
     *                  the pid and state are checked)
     * @return true if it is gone, a zombie, or another process under a recycled pid; false while it lives, and
     *         when its stat may not be read (hidepid, another user's process): a holder is never given up on a guess
     */
    public static boolean isDead(int pid, long startTime) {
        if (pid <= 0) {
            return false;
        }
        byte[] line = new byte[STAT_BYTES];
        int fd = Native.libc().openat(AT_FDCWD, CPath.numbered(PROC, pid, STAT), O_RDONLY_CLOEXEC);
        if (fd < 0) {
            int errno = Native.errno();
            return errno != EACCES && errno != EPERM;
        }
        long n;
        try {
            n = Native.libc().read(fd, line, line.length);
        } finally {
            Native.libc().close(fd);
        }
        if (n <= 0) {
            // ESRCH or an empty file: it exited between the open and the read
            return true;
        }
        return showsEnded(ProcParser.stat(line, (int) n), startTime);
    }

    /**
     * The rule on a stat line that could be read: a zombie or a dead task holds nothing, and another start time
     * means another process under a recycled pid ({@code startTime} 0: not checked).
     */
    public static boolean showsEnded(StatLine stat, long startTime) {
        char state = stat.state();
        return state == 'Z' || state == 'X' || state == 'x' || startTime != 0 && stat.startTime() != startTime;
    }
}
