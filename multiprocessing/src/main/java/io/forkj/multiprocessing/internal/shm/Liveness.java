package io.forkj.multiprocessing.internal.shm;

import io.forkj.posix.internal.proc.ProcStat;
import io.forkj.posix.internal.proc.StatLine;

import java.util.Optional;

/**
 * Whether the process that recorded itself as a holder is still there: its {@code /proc/PID/stat} exists, is not
 * a zombie ({@code Z}) or dead ({@code X}) — a killed child its parent has not reaped yet holds nothing — and
 * started at the recorded time, so a recycled pid is not mistaken for the holder (psutil's identity rule).
 */
public final class Liveness {
    private Liveness() {
    }

    /**
     * @param startTime the holder's start time as it recorded it, or 0 if it had not recorded it yet (then only
     *                  the pid and state are checked)
     */
    public static boolean isDead(int pid, long startTime) {
        if (pid <= 0) {
            return false;
        }
        Optional<StatLine> stat = ProcStat.read(pid);
        if (stat.isEmpty()) {
            return true;
        }
        StatLine line = stat.get();
        if (line.state() == 'Z' || line.state() == 'X' || line.state() == 'x') {
            return true;
        }
        return startTime != 0 && line.startTime() != startTime;
    }
}
