package io.forkj.posix.internal.fork;

import io.forkj.posix.internal.libc.LinuxLibC;

import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcParser;
import io.forkj.posix.internal.proc.ProcStat;
import io.forkj.posix.internal.proc.StatLine;

import java.util.Optional;

/**
 * Tells, from {@code /proc} in the parent, that a forked JVM child is blocked for ever, without waiting for its
 * deadline. The rule: the child has one thread, sleeps (state S) in {@code futex(2)} waiting on a
 * <em>private</em> futex ({@code FUTEX_PRIVATE_FLAG}) with <em>no timeout</em>. A private futex can only be woken
 * by a thread of the same process, and the child has no other thread; a wait with no timeout never ends by
 * itself; a signal handler returns into the restarted wait. So nothing can ever wake it.
 *
 * <p>Checked against every stall kind produced on JDK 17 (2 cores): a GC needed in the child
 * ({@code FUTEX_WAIT_BITSET|PRIVATE|CLOCK_REALTIME}, op 0x189, a condition variable), a class loaded in the child
 * ({@code FUTEX_WAIT|PRIVATE}, op 0x80, a mutex), and the stalls of empty bodies beside a busy allocating thread
 * (safepoint or JIT lock at the fork: the same two shapes). Not stalls, and not taken for one: {@code Thread.sleep}
 * (op 0x89 with a timeout), {@code pause(2)}, a read on a pipe, and a wait on a process-shared futex (a semaphore in
 * shared memory, which another process can post: no {@code FUTEX_PRIVATE_FLAG}).
 */
public final class StallProbe {
    private static final long FUTEX = LinuxLibC.Sys.FUTEX;
    private static final long FUTEX_PRIVATE_FLAG = 128;
    private static final long FUTEX_CLOCK_REALTIME = 256;
    private static final long FUTEX_WAIT = 0;
    private static final long FUTEX_LOCK_PI = 6;
    private static final long FUTEX_WAIT_BITSET = 9;
    private static final long FUTEX_WAIT_REQUEUE_PI = 11;
    private static final long FUTEX_LOCK_PI2 = 13;

    private StallProbe() {
    }

    /**
     * What proves {@code pid} stalled ("state S, 1 thread, futex(0x7f.., FUTEX_WAIT_BITSET|FUTEX_PRIVATE_FLAG|
     * FUTEX_CLOCK_REALTIME, no timeout)"), or empty when it is not provably stalled (running, sleeping with a
     * timeout or in another call, gone, or its /proc files unreadable).
     */
    public static Optional<String> stalled(int pid) {
        return privateFutexWait(pid, false);
    }

    /**
     * What shows {@code pid} asleep, as its only thread, waiting on a private futex <em>with or without</em> a
     * timeout, or empty. Not proof of a stall on its own: a timed wait may be a sleep. But HotSpot also parks a
     * thread entering a Java monitor with a timeout (and retries for ever), so a single-threaded forked JVM child
     * that stays in such a wait where its code takes no sleep (deserializing a task, say) is blocked on a monitor
     * another thread of its parent held at the fork; seen in a FORK pool worker, with gdb:
     * {@code ObjectMonitor::EnterI} → {@code PlatformEvent::park(long)}.
     */
    public static Optional<String> inPrivateFutexWait(int pid) {
        return privateFutexWait(pid, true);
    }

    private static Optional<String> privateFutexWait(int pid, boolean timedToo) {
        Optional<StatLine> stat = ProcStat.read(pid);
        if (stat.isEmpty() || stat.get().state() != 'S' || stat.get().numThreads() != 1) {
            return Optional.empty();
        }
        String first = syscall(pid);
        long[] call;
        try {
            call = ProcParser.syscall(first);
        } catch (IllegalArgumentException garbled) {
            return Optional.empty();
        }
        // number, then six arguments: futex(uaddr, op, val, timeout, uaddr2, val3), then sp and pc
        if (call.length < 5 || call[0] != FUTEX) {
            return Optional.empty();
        }
        long op = call[2];
        long command = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
        boolean waits = command == FUTEX_WAIT || command == FUTEX_WAIT_BITSET || command == FUTEX_LOCK_PI
                || command == FUTEX_LOCK_PI2 || command == FUTEX_WAIT_REQUEUE_PI;
        boolean timed = call[4] != 0;
        if (!waits || (op & FUTEX_PRIVATE_FLAG) == 0 || (timed && !timedToo)) {
            return Optional.empty();
        }
        // Still the same wait, still one thread: the first read was not of a call about to return.
        Optional<StatLine> again = ProcStat.read(pid);
        if (!syscall(pid).equals(first) || again.isEmpty() || again.get().numThreads() != 1 || again.get().state() != 'S') {
            return Optional.empty();
        }
        return Optional.of("state S, 1 thread, futex(0x" + Long.toHexString(call[1]) + ", " + opName(op)
                + (timed ? ", with a timeout)" : ", no timeout): a private futex nothing in a single-threaded process can wake"));
    }

    private static String syscall(int pid) {
        // "" when gone, or not ours to inspect (another user's, ptrace rules): no verdict
        return ProcFs.readOrEmpty(ProcFs.system().pid(pid, "syscall")).trim();
    }

    private static String opName(long op) {
        long command = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
        String name = command == FUTEX_WAIT ? "FUTEX_WAIT" : command == FUTEX_WAIT_BITSET ? "FUTEX_WAIT_BITSET"
                : command == FUTEX_LOCK_PI ? "FUTEX_LOCK_PI" : command == FUTEX_LOCK_PI2 ? "FUTEX_LOCK_PI2"
                : "FUTEX_WAIT_REQUEUE_PI";
        return name + "|FUTEX_PRIVATE_FLAG" + ((op & FUTEX_CLOCK_REALTIME) != 0 ? "|FUTEX_CLOCK_REALTIME" : "");
    }
}
