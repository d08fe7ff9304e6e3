package io.forkj.posix.internal.children;

import io.forkj.posix.internal.libc.Siginfo;

import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.proc.ThreadSyscalls;

import java.util.HashSet;
import java.util.Set;

/**
 * Which pids some thread of this JVM is blocked waiting for: the JDK reaps each {@code java.lang.Process} child
 * with a thread blocked in {@code waitpid(pid, &status, 0)} for the child's whole life and has no public way to
 * say which pids are its own, but {@code /proc/self/task/TID/syscall} names the system call a blocked thread
 * sits in and its arguments. {@link ExitWatchLoop} refuses such a pid, whose exit status would be raced for, and
 * the signals module's {@code Reaper} leaves it alone.
 */
public final class AwaitedPids {
    private static final long WAIT4 = LinuxLibC.Sys.WAIT4;
    private static final long WAITID = LinuxLibC.Sys.WAITID;

    private AwaitedPids() {
    }

    /** The pids awaited by a blocked {@code wait4(pid, ...)} (glibc's {@code waitpid}) or {@code waitid(P_PID, pid)}. */
    public static Set<Integer> now() {
        Set<Integer> pids = new HashSet<>();
        for (long[] call : ThreadSyscalls.ofThisProcess()) {
            if (call.length < 3) {
                continue; // "running"
            }
            if (call[0] == WAIT4 && (int) call[1] > 0) {
                pids.add((int) call[1]);
            } else if (call[0] == WAITID && call[1] == Siginfo.P_PID) {
                pids.add((int) call[2]);
            }
        }
        return pids;
    }
}
