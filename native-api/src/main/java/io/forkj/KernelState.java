package io.forkj;

import java.util.Optional;

/**
 * Every process state letter Linux has shown in field 3 of {@code /proc/PID/stat} and in the first
 * character of {@code ps}'s STAT column, with its place in the three- and five-state models
 * (psutil's {@code STATUS_*} constants, procps' {@code PROCESS STATE CODES}).
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>letter</th><th>ThreeState</th><th>FiveState</th></tr>
 *   <tr><td>R</td><td>RUNNING if it got CPU time in a sampling window, else READY</td><td>same</td></tr>
 *   <tr><td>S D I P K W</td><td>BLOCKED</td><td>BLOCKED</td></tr>
 *   <tr><td>T t</td><td>BLOCKED (suspended)</td><td>BLOCKED</td></tr>
 *   <tr><td>Z X x</td><td>none: not alive</td><td>TERMINATED</td></tr>
 * </table>
 */
public enum KernelState {
    /** {@code R}: running or runnable (on the run queue). */
    RUNNABLE('R', "running or runnable"),
    /** {@code S}: interruptible sleep, waiting for an event. */
    SLEEPING('S', "interruptible sleep"),
    /** {@code D}: uninterruptible sleep, usually I/O. */
    DISK_SLEEP('D', "uninterruptible sleep"),
    /** {@code T}: stopped by job control ({@code SIGSTOP}, {@code SIGTSTP}, ...). */
    STOPPED('T', "stopped by job control"),
    /** {@code t}: stopped by a tracer (Linux 2.6.33 on). */
    TRACING_STOP('t', "stopped by a tracer"),
    /** {@code Z}: exited, not yet reaped by its parent. */
    ZOMBIE('Z', "zombie: exited, not yet reaped"),
    /** {@code X}: dead, being torn down; almost never seen. */
    DEAD('X', "dead"),
    /** {@code x}: dead (Linux 2.6.33 to 3.13 only). */
    DEAD_OLD('x', "dead (Linux 2.6.33-3.13)"),
    /** {@code I}: idle kernel thread (Linux 4.14 on). */
    IDLE('I', "idle kernel thread"),
    /** {@code P}: parked kernel thread (Linux 3.9 to 3.13, and again from 4.14 for parked threads). */
    PARKED('P', "parked"),
    /** {@code K}: wakekill (Linux 2.6.33 to 3.13 only). */
    WAKEKILL('K', "wakekill (Linux 2.6.33-3.13)"),
    /** {@code W}: waking (Linux 2.6.33 to 3.13), or paging before Linux 2.6. */
    WAKING('W', "waking (Linux 2.6.33-3.13) or paging (before 2.6)");

    private final char letter;
    private final String description;

    KernelState(char letter, String description) {
        this.letter = letter;
        this.description = description;
    }

    /** The letter as the kernel and {@code ps} print it. */
    public char letter() {
        return letter;
    }

    /** What the letter means, in a few words. */
    public String description() {
        return description;
    }

    /**
     * The state for a letter from {@code /proc/PID/stat}.
     *
     * @throws IllegalArgumentException naming the letter if Linux has never used it
     */
    public static KernelState of(char letter) {
        switch (letter) {
            case 'R': return RUNNABLE;
            case 'S': return SLEEPING;
            case 'D': return DISK_SLEEP;
            case 'T': return STOPPED;
            case 't': return TRACING_STOP;
            case 'Z': return ZOMBIE;
            case 'X': return DEAD;
            case 'x': return DEAD_OLD;
            case 'I': return IDLE;
            case 'P': return PARKED;
            case 'K': return WAKEKILL;
            case 'W': return WAKING;
            default:
                throw new IllegalArgumentException("'" + letter + "' is not a Linux process state letter"
                        + " (one of R S D T t Z X x I P K W)");
        }
    }

    /** Whether the process has exited ({@code Z}, {@code X}, {@code x}): TERMINATED, no three-state value. */
    public boolean isTerminated() {
        return this == ZOMBIE || this == DEAD || this == DEAD_OLD;
    }

    /** Whether it is stopped by job control or a tracer ({@code T}, {@code t}): BLOCKED, suspended. */
    public boolean isStopped() {
        return this == STOPPED || this == TRACING_STOP;
    }

    /**
     * The three-state value, given whether the process got CPU time in a sampling window; the argument only
     * matters for {@code R}. Empty for a process that has exited. {@code ProcessTable.threeState} does the
     * sampling.
     *
     * @param gotCpuInWindow whether {@code /proc/PID/schedstat}'s time on CPU grew during the window
     */
    public Optional<ThreeState> threeState(boolean gotCpuInWindow) {
        if (isTerminated()) {
            return Optional.empty();
        }
        if (this == RUNNABLE) {
            return Optional.of(gotCpuInWindow ? ThreeState.RUNNING : ThreeState.READY);
        }
        return Optional.of(ThreeState.BLOCKED);
    }

    /** The five-state value; like {@link #threeState(boolean)}, with TERMINATED for an exited process. */
    public FiveState fiveState(boolean gotCpuInWindow) {
        return threeState(gotCpuInWindow).map(FiveState::of).orElse(FiveState.TERMINATED);
    }
}
