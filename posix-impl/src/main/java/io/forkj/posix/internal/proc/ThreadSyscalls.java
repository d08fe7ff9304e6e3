package io.forkj.posix.internal.proc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code /proc/self/task/TID/syscall} for every thread of this process with the process table's reader
 * ({@link ProcReader}): one {@code openat}/{@code read}/{@code close} per thread, no path or stream object per
 * file. {@code java.nio.file} paths and streams made the same pass cost 430-545 µs for a JVM's ~20 threads, on
 * every {@code ExitWatcher.watch(pid)}; this one costs what a C loop over the same files does (~8 µs a thread).
 */
public final class ThreadSyscalls {
    private static final byte[] SYSCALL = "syscall".getBytes(StandardCharsets.US_ASCII);

    private ThreadSyscalls() {
    }

    /**
     * The parsed {@code syscall} line ({@link ProcParser#syscall}) of each thread of this process; a thread in no
     * system call gives an empty array, and one that exits meanwhile, or whose file may not be read, is left out.
     *
     * @throws io.forkj.PosixException if {@code /proc/self/task} cannot be listed
     */
    public static List<long[]> ofThisProcess() {
        List<long[]> calls = new ArrayList<>();
        try (ProcReader reader = ProcReader.open(ProcFs.at(ProcFs.self("task")))) {
            for (int tid : reader.pids()) {
                int n = reader.read(tid, SYSCALL);
                if (n > 0) {
                    calls.add(ProcParser.syscall(new String(reader.bytes(), 0, n, StandardCharsets.US_ASCII)));
                }
            }
        }
        return calls;
    }
}
