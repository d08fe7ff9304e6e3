package io.forkj.posix.internal.proc;

import io.forkj.posix.internal.libc.BindingState;

import java.nio.charset.StandardCharsets;

/**
 * Reads {@code /proc} files whole, one at a time, into a buffer it reuses; parsing is {@link ProcParser}'s. Not
 * thread-safe: one reader per scan or per sampling thread.
 *
 * <p>Two implementations, chosen by {@link #open}: {@link NativeProcReader} ({@code openat}/{@code read} through
 * the native binding, nothing allocated per file) once this JVM has loaded that binding, and {@link JavaProcReader}
 * ({@code java.io}) before: a command that lists processes and exits must not spend 250-400 ms loading jffi and
 * generating jnr stubs to read text files (measured in docs/DESIGN.md, "Reading /proc").
 */
abstract sealed class ProcReader implements AutoCloseable permits NativeProcReader, JavaProcReader {
    /** {@link #read} result: the process is gone (ENOENT, ESRCH, or an empty stat file). */
    static final int GONE = -1;
    /** {@link #read} result: the file exists but may not be read (EACCES, EPERM: hidepid, ptrace rules). */
    static final int UNREADABLE = -2;

    static final byte[] STAT = ascii("stat");
    static final byte[] STATUS = ascii("status");
    static final byte[] CMDLINE = ascii("cmdline");
    static final byte[] SCHEDSTAT = ascii("schedstat");

    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EACCES = 13;

    /** The reader for {@code procFs}: native if this JVM has loaded the native binding, else {@code java.io}. */
    static ProcReader open(ProcFs procFs) {
        return BindingState.isLoaded() ? new NativeProcReader(procFs) : new JavaProcReader(procFs);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The bytes the last {@link #read} returned. */
    abstract byte[] bytes();

    /** The pid of every process (thread-group leaders: /proc lists no other thread at its top). */
    abstract int[] pids();

    /**
     * Reads {@code /proc/PID/name} whole into {@link #bytes()}, for files the kernel writes in one go: a single
     * record ({@code stat}, {@code status}, {@code schedstat}) or {@code cmdline}. It stops at the first short
     * read, which ends such a file; a multi-page {@code seq_file} such as {@code maps} arrives one page per read
     * and would be cut after the first.
     *
     * @return the length, or {@link #GONE} or {@link #UNREADABLE}
     */
    abstract int read(int pid, byte[] name);

    /** The errno of the last failed {@link #read}, for the caller's exception. */
    abstract int lastErrno();

    @Override
    public abstract void close();
}
