package io.forkj;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One process as {@code /proc} showed it at one moment: the row {@code ps -eo pid,ppid,pgid,sid,tty,tpgid,
 * uid,stat,lstart,nlwp,ni,comm,args} prints, or psutil's {@code Process.as_dict()}. Immutable; taken by
 * {@link ProcessTable#snapshot()} or {@link ProcessTable#process(int)}.
 *
 * @param identity    pid and start time (field 22 of {@code /proc/PID/stat}): a recycled pid gets a new identity
 * @param ppid        parent pid (0 for init and kthreadd, and for a process whose parent is outside its pid namespace)
 * @param pgid        process group
 * @param sid         session
 * @param ttyNr       controlling terminal as a device number, 0 for none
 * @param tpgid       foreground process group of that terminal, -1 for none
 * @param comm        the command name (at most 15 bytes, may hold spaces, parentheses and newlines)
 * @param commandLine the arguments from {@code /proc/PID/cmdline}; empty if not read, unreadable, or none (kernel
 *                    threads and zombies have none)
 * @param uid         real user id ({@code Uid:} in {@code /proc/PID/status})
 * @param kernelState the state letter
 * @param stat        ps's STAT column: the letter then {@code <} (nice &lt; 0), {@code N} (nice &gt; 0), {@code L}
 *                    (locked pages), {@code s} (session leader), {@code l} (multi-threaded), {@code +}
 *                    (in the terminal's foreground group), as procps computes it
 * @param startTime   wall-clock start: boot time plus the start ticks
 * @param threads     number of threads
 * @param nice        nice value, -20..19
 * @param isOrphan    whether the process was orphaned (see {@link ProcessTable#orphans()} for the rule)
 */
public record ProcessInfo(ProcessIdentity identity, int ppid, int pgid, int sid, int ttyNr, int tpgid, String comm,
                          Optional<List<String>> commandLine, int uid, KernelState kernelState, String stat,
                          Instant startTime, int threads, int nice, boolean isOrphan) {

    /** Checks that nothing is null and copies the command line. */
    public ProcessInfo {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(comm, "comm");
        Objects.requireNonNull(kernelState, "kernelState");
        Objects.requireNonNull(stat, "stat");
        Objects.requireNonNull(startTime, "startTime");
        commandLine = commandLine.map(List::copyOf);
    }

    /** The process id. */
    public int pid() {
        return identity.pid();
    }

    /** Start time in clock ticks after boot (field 22 of {@code /proc/PID/stat}). */
    public long startTimeTicks() {
        return identity.startTimeTicks();
    }

    /** The kernel's state letter, as {@code ps -o s} prints it. */
    public char state() {
        return kernelState.letter();
    }

    /** Whether it has exited and its parent has not reaped it yet (state {@code Z}), like psutil's STATUS_ZOMBIE. */
    public boolean isZombie() {
        return kernelState == KernelState.ZOMBIE;
    }

    /** Whether it leads its session ({@code sid == pid}), the {@code s} in STAT. */
    public boolean isSessionLeader() {
        return sid == pid();
    }
}
