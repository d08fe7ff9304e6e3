package io.forkj.posix.internal.daemon;

import jnr.ffi.Memory;
import io.forkj.posix.internal.libc.CStrings;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Everything the daemon's children need, prepared by the launcher BEFORE the fork: fds, numbers, C strings and
 * NULL-terminated pointer arrays in native memory, and scratch byte arrays. The children only read it and fill
 * the scratch arrays, so they allocate nothing and convert no String.
 *
 * <p>A rehearsal plan has values that make every call fail harmlessly (fd -1, empty paths, invalid ids, an
 * invalid {@code how}), so the launcher can run the children's code once in its own process and no code path
 * is run for the first time after a fork.
 */
final class ChildPlan {
    static final long CLOSE_RANGE_MAX = 0xFFFFFFFFL;
    static final int SIG_SETMASK = 2;
    private static final Runtime RUNTIME = Runtime.getSystemRuntime();

    final boolean rehearsal;
    /** The write end of the readiness pipe ({@code O_CLOEXEC}: closed by a successful execve). */
    final int readyFd;
    /** Inclusive {@code [first, last]} pairs for {@code close_range}: everything from 3 up but the kept fds. */
    final long[] closeRanges;
    final long devNull;
    /** The log file, or {@link #devNull}. */
    final long output;
    final int outputFlags;
    final int umask;
    final long directory;
    /** The locked pid file, or -1. */
    final int pidFd;
    final int gid;
    final int uid;
    /** 1 for a real drop, -1 in a rehearsal (setgroups then fails with EINVAL instead of succeeding). */
    final long groupCount;
    final long groups;
    /** The signals the launcher catches or ignores: the only ones not already {@code SIG_DFL}. */
    final int[] signalsToReset;
    final int sigmaskHow;
    final long emptySigset;
    /** A zeroed kernel {@code struct sigaction}: {@code SIG_DFL}, no flags, empty mask. */
    final long defaultAction;
    final long program;
    final long argv;
    final long envp;
    /** Test-only: the grandchild pauses before dropping privileges (see {@link Launcher#STALL_PROPERTY}). */
    boolean stall;
    /** Test-only: the grandchild pauses after saying it is about to execve (see {@link Launcher#STALL_AT_EXEC_PROPERTY}). */
    boolean stallAtExec;
    /** Scratch for the readiness messages and the pid text. */
    final byte[] message = new byte[8];
    final byte[] pidText = new byte[12];
    /** Every native block, reachable as long as the plan is: the fields above hold bare addresses. */
    private final List<Pointer> memory = new ArrayList<>();

    private ChildPlan(boolean rehearsal, int readyFd, long[] closeRanges, String devNull, String output,
                      int outputFlags, int umask, String directory, int pidFd, int gid, int uid, long groupCount,
                      int[] signalsToReset, int sigmaskHow, String program, List<String> argv, List<String> envp) {
        this.rehearsal = rehearsal;
        this.readyFd = readyFd;
        this.closeRanges = closeRanges;
        this.devNull = cString(devNull);
        this.output = output == null ? this.devNull : cString(output);
        this.outputFlags = outputFlags;
        this.umask = umask;
        this.directory = cString(directory);
        this.pidFd = pidFd;
        this.gid = gid;
        this.uid = uid;
        this.groupCount = groupCount;
        Pointer groupList = allocate(4);
        groupList.putInt(0, gid);
        this.groups = groupList.address();
        this.signalsToReset = signalsToReset;
        this.sigmaskHow = sigmaskHow;
        this.emptySigset = allocate(128).address();
        this.defaultAction = allocate(64).address();
        this.program = cString(program);
        this.argv = pointerArray(argv);
        this.envp = pointerArray(envp);
    }

    /** The plan for a real daemon. */
    static ChildPlan forDaemon(int readyFd, int pidFd, String output, int outputFlags, int umask, String directory,
                               int gid, int uid, int[] signalsToReset, String program, List<String> argv,
                               List<String> envp) {
        return new ChildPlan(false, readyFd, closeRanges(readyFd, pidFd), "/dev/null", output, outputFlags, umask,
                directory, pidFd, gid, uid, 1, signalsToReset, SIG_SETMASK, program, argv, envp);
    }

    /** A plan whose every call fails harmlessly, to run the children's code once in the launcher. */
    static ChildPlan rehearsal(int currentUmask) {
        return new ChildPlan(true, -1, new long[] {5, 4}, "", "", 0, currentUmask, "", -1, -1, -1, -1,
                new int[] {0}, -1, "", List.of(""), List.of());
    }

    /** The ranges from 3 to {@link #CLOSE_RANGE_MAX} that leave out the fds to keep. */
    private static long[] closeRanges(int... keepFds) {
        long[] keepSorted = Arrays.stream(keepFds).filter(fd -> fd > 2).sorted().asLongStream().toArray();
        long[] ranges = new long[2 * (keepSorted.length + 1)];
        int n = 0;
        long from = 3;
        for (long fd : keepSorted) {
            if (fd > from) {
                ranges[n++] = from;
                ranges[n++] = fd - 1;
            }
            from = fd + 1;
        }
        ranges[n++] = from;
        ranges[n++] = CLOSE_RANGE_MAX;
        return Arrays.copyOf(ranges, n);
    }

    private Pointer allocate(int bytes) {
        Pointer p = Memory.allocateDirect(RUNTIME, bytes, true);
        memory.add(p);
        return p;
    }

    private long cString(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        Pointer p = allocate(bytes.length + 1);
        p.put(0, bytes, 0, bytes.length);
        return p.address();
    }

    private long pointerArray(List<String> strings) {
        Pointer p = CStrings.array(strings, StandardCharsets.UTF_8);
        memory.add(p);
        return p.address();
    }
}
