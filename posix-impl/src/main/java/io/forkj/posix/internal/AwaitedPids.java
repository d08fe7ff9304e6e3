package io.forkj.posix.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Which pids some thread of this JVM is blocked waiting for: the JDK reaps each {@code java.lang.Process} child
 * with a thread blocked in {@code waitpid(pid, &status, 0)} for the child's whole life and has no public way to
 * say which pids are its own, but {@code /proc/self/task/TID/syscall} names the system call a blocked thread
 * sits in and its arguments. {@link ExitWatchLoop} refuses such a pid, whose exit status would be raced for.
 * (The signals module's {@code ChildScan.awaited()} answers the same question for its {@code Reaper}.)
 */
public final class AwaitedPids {
    private static final boolean ARM64 = "aarch64".equals(System.getProperty("os.arch"));
    private static final long WAIT4 = ARM64 ? 260 : 61;
    private static final long WAITID = ARM64 ? 95 : 247;

    private AwaitedPids() {
    }

    /** The pids awaited by a blocked {@code wait4(pid, ...)} (glibc's {@code waitpid}) or {@code waitid(P_PID, pid)}. */
    public static Set<Integer> now() {
        Set<Integer> pids = new HashSet<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String[] f = readOrEmpty(task.resolve("syscall")).trim().split(" ");
                if (f.length < 3 || !Character.isDigit(f[0].charAt(0))) {
                    continue; // "running", or empty for a thread that just exited
                }
                long nr = Long.parseLong(f[0]);
                long a1 = Long.parseUnsignedLong(f[1].substring(2), 16);
                long a2 = Long.parseUnsignedLong(f[2].substring(2), 16);
                if (nr == WAIT4 && (int) a1 > 0) {
                    pids.add((int) a1);
                } else if (nr == WAITID && a1 == Siginfo.P_PID) {
                    pids.add((int) a2);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return pids;
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException threadGone) {
            return "";
        }
    }
}
