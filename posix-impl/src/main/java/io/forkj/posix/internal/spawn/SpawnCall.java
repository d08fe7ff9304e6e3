package io.forkj.posix.internal.spawn;

import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.Sigsets;

import io.forkj.PosixException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.lang.ProcessBuilder.Redirect;
import java.util.Arrays;

/**
 * One {@code posix_spawnp(3)} call with its file actions and attributes, over {@link LinuxLibC}. glibc
 * (2.24+) creates the child with {@code CLONE_VM | CLONE_VFORK}, runs the file actions there and returns
 * the exec's error number itself, so a missing program is {@code ENOENT} here rather than exit code 127.
 * No Java code runs in the child.
 */
public final class SpawnCall {
    private static final short POSIX_SPAWN_SETPGROUP = 0x02;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80;
    /** Every signal 1..64 except SIGKILL, SIGSTOP and glibc's internal 32, 33 (as sigfillset leaves them out). */
    private static final long ALL_SETTABLE_SIGNALS =
            ~((1L << (9 - 1)) | (1L << (19 - 1)) | (1L << (32 - 1)) | (1L << (33 - 1)));
    /** Generous upper bounds of glibc's posix_spawn_file_actions_t (80 bytes) and posix_spawnattr_t (336). */
    private static final int FILE_ACTIONS_SIZE = 256;
    private static final int ATTR_SIZE = 512;
    /** The program's signal mask and the signals it gets at their default: constants, which glibc only copies. */
    private static final Pointer EMPTY_MASK = Sigsets.ofBits(0);
    private static final Pointer DEFAULT_DISPOSITIONS = Sigsets.ofBits(ALL_SETTABLE_SIGNALS);
    /**
     * Each thread's memory for the two structures, reused by its spawns: {@code init} and {@code destroy} bracket
     * every use. Allocated per spawn, each was a jnr-ffi object with a finalizer to register and later run (2.5% of a
     * spawning thread's samples in {@code perf}, 2026-11-29).
     */
    private static final ThreadLocal<Structs> STRUCTS = ThreadLocal.withInitial(Structs::allocate);

    /** One allocation, and the two structures within it. */
    private record Structs(Pointer memory, Pointer actions, Pointer attr) {
        static Structs allocate() {
            Pointer memory = Memory.allocateDirect(Runtime.getSystemRuntime(), FILE_ACTIONS_SIZE + ATTR_SIZE, true);
            return new Structs(memory, memory.slice(0, FILE_ACTIONS_SIZE), memory.slice(FILE_ACTIONS_SIZE, ATTR_SIZE));
        }
    }

    private SpawnCall() {
    }

    /**
     * Spawns {@code argv[0]} looked up in {@code PATH} like {@code execvp}.
     *
     * @param argv      program and arguments
     * @param envp      "NAME=value" entries, the whole environment; null for this JVM's ({@link System#getenv()})
     * @param directory working directory, or null to keep the parent's
     * @param stdio     redirects for fds 0, 1, 2
     * @param passFds   fds (> 2) the child keeps at the same number; every other fd above 2 is closed
     * @param setsid    start a new session
     * @param pgroup    -1 to stay in the parent's group, 0 for a new group led by the child, or a group id
     * @return the child's pid
     * @throws PosixException with the error number posix_spawnp returned (ENOENT, EACCES, ...)
     */
    public static int spawn(String[] argv, String[] envp, String directory, Redirect[] stdio, int[] passFds,
                            boolean setsid, int pgroup) {
        LinuxLibC libc = Native.libc();
        Structs structs = STRUCTS.get();
        Pointer actions = structs.actions();
        Pointer attr = structs.attr();
        check("posix_spawn_file_actions_init", libc.posix_spawn_file_actions_init(actions));
        try {
            check("posix_spawnattr_init", libc.posix_spawnattr_init(attr));
            try {
                for (int fd = 0; fd < 3; fd++) {
                    Redirect r = stdio[fd];
                    if (!Redirects.inherits(r)) {
                        check("posix_spawn_file_actions_addopen(" + fd + ", " + Redirects.path(r) + ")",
                                libc.posix_spawn_file_actions_addopen(actions, fd, Redirects.path(r),
                                        Redirects.openFlags(r), Redirects.MODE_0666));
                    }
                }
                int[] pass = passFds.clone();
                Arrays.sort(pass);
                int highest = 2;
                for (int fd : pass) {
                    // dup2 onto itself clears FD_CLOEXEC (glibc 2.29+), so a close-on-exec fd is passed too.
                    check("posix_spawn_file_actions_adddup2(" + fd + ", " + fd + ")",
                            libc.posix_spawn_file_actions_adddup2(actions, fd, fd));
                    for (int gap = highest + 1; gap < fd; gap++) {
                        check("posix_spawn_file_actions_addclose(" + gap + ")",
                                libc.posix_spawn_file_actions_addclose(actions, gap));
                    }
                    highest = fd;
                }
                // The JVM keeps many fds without O_CLOEXEC (every jar on the class path): close them all.
                check("posix_spawn_file_actions_addclosefrom_np(" + (highest + 1) + ")",
                        libc.posix_spawn_file_actions_addclosefrom_np(actions, highest + 1));
                if (directory != null) {
                    check("posix_spawn_file_actions_addchdir_np(" + directory + ")",
                            libc.posix_spawn_file_actions_addchdir_np(actions, directory));
                }
                short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
                if (setsid) {
                    flags |= POSIX_SPAWN_SETSID;
                }
                if (pgroup >= 0) {
                    flags |= POSIX_SPAWN_SETPGROUP;
                    check("posix_spawnattr_setpgroup", libc.posix_spawnattr_setpgroup(attr, pgroup));
                }
                check("posix_spawnattr_setflags", libc.posix_spawnattr_setflags(attr, flags));
                // The calling Java thread blocks SIGQUIT (the JVM's thread-dump signal) and the JVM catches
                // others; the program starts with an empty mask and every disposition at its default.
                check("posix_spawnattr_setsigmask", libc.posix_spawnattr_setsigmask(attr, EMPTY_MASK));
                check("posix_spawnattr_setsigdefault", libc.posix_spawnattr_setsigdefault(attr, DEFAULT_DISPOSITIONS));
                int[] pid = new int[1];
                int rc = envp == null ? libc.posix_spawnp(pid, argv[0], actions, attr, argv, JvmEnvironment.envp())
                        : libc.posix_spawnp(pid, argv[0], actions, attr, argv, envp);
                if (rc != 0) {
                    throw new PosixException("posix_spawnp(" + argv[0] + ")", rc);
                }
                return pid[0];
            } finally {
                libc.posix_spawnattr_destroy(attr);
            }
        } finally {
            libc.posix_spawn_file_actions_destroy(actions);
        }
    }

    private static void check(String call, int rc) {
        if (rc != 0) {
            throw new PosixException(call, rc);
        }
    }
}
