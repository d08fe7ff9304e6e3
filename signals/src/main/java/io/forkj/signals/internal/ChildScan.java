package io.forkj.signals.internal;

import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcParser;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * This JVM's children as the kernel lists them, and which of them somebody in this JVM already waits for.
 *
 * <p>Why the second question: the JDK reaps each {@code java.lang.Process} child with a "process reaper"
 * thread blocked in {@code waitpid(pid, &status, 0)} for the child's whole life, and there is no public way to
 * ask the JDK which pids are its own. The kernel shows it, though: {@code /proc/self/task/TID/syscall} names
 * the system call a blocked thread sits in and its arguments. A child whose pid is the argument of a blocked
 * {@code wait4} or {@code waitid(P_PID)} has an owner in this JVM, whoever it is.
 */
public final class ChildScan {
    private static final Path TASKS = ProcFs.self("task");

    private ChildScan() {
    }

    /** The children of every thread of this process, from {@code /proc/self/task/TID/children}. */
    public static List<Integer> children() {
        List<Integer> result = new ArrayList<>();
        for (Path task : tasks()) {
            result.addAll(ProcParser.pidList(ProcFs.readOrEmpty(task.resolve("children"))));
        }
        return result;
    }

    /**
     * The pids some thread of this process is blocked waiting for, by {@code wait4(pid, ...)} (what glibc's
     * {@code waitpid} calls) or {@code waitid(P_PID, pid, ...)}.
     */
    public static Set<Integer> awaited() {
        return io.forkj.posix.internal.children.AwaitedPids.now();
    }

    /**
     * Whether {@code pid} runs a program other than this JVM's: it has exec'd since the fork. A forked clone of
     * this JVM has the same {@code /proc/PID/exe}; a {@code java.lang.Process} child has exec'd its command.
     * An unreadable link (zombie, or gone) counts as "other", the cautious answer.
     */
    public static boolean runsOtherProgram(int pid) {
        try {
            return !Files.readSymbolicLink(ProcFs.system().pid(pid, "exe"))
                    .equals(Files.readSymbolicLink(ProcFs.self("exe")));
        } catch (IOException e) {
            return true;
        }
    }

    private static List<Path> tasks() {
        List<Path> result = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(TASKS)) {
            for (Path p : dir) {
                result.add(p);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return result;
    }
}
