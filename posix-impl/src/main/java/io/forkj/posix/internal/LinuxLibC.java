package io.forkj.posix.internal;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The one jnr-ffi binding for the libc calls jnr-posix does not bind. Everything else goes through
 * jnr-posix ({@link Native#posix()}). Every method saves errno, read with {@link Native#errno()}.
 */
@SaveError
public interface LinuxLibC {

    /** Linux x86-64 / arm64 generic syscall numbers used through {@link #syscall}. */
    final class Sys {
        private Sys() {
        }

        /** {@code pidfd_send_signal(2)}, Linux 5.1. */
        public static final long PIDFD_SEND_SIGNAL = 424;
        /** {@code pidfd_open(2)}, Linux 5.3. */
        public static final long PIDFD_OPEN = 434;
    }

    /** {@code _exit(2)}. */
    void _exit(int status);

    /** {@code pause(2)}: sleeps until a signal arrives. */
    int pause();

    /** {@code signal(2)} with a raw handler value: 0 is {@code SIG_DFL}, 1 is {@code SIG_IGN}. */
    long signal(int signum, long handler);

    /** {@code getrlimit(2)} into {@code {soft, hard}}. */
    int getrlimit(int resource, @Out long[] softAndHard);

    /** {@code setrlimit(2)} with {@code {soft, hard}}: no struct class to load, so a forked child may call it. */
    int setrlimit(int resource, @In long[] softAndHard);

    /** {@code setuid(2)}. */
    int setuid(int uid);

    /** {@code getsid(2)}. */
    int getsid(int pid);

    /** {@code prctl(2)} with integer arguments. */
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    /** {@code prctl(2)} reading an int through a pointer (PR_GET_CHILD_SUBREAPER, PR_GET_PDEATHSIG). */
    int prctl(int option, @Out int[] result, long arg3, long arg4, long arg5);

    /** {@code pipe2(2)}. */
    int pipe2(@Out int[] fds, int flags);

    /** {@code syscall(2)} with up to four integer arguments; unused ones are 0. */
    long syscall(long number, long a1, long a2, long a3, long a4);

    /** {@code poll(2)} over an array of {@code struct pollfd} (8 bytes each). */
    int poll(Pointer fds, long nfds, int timeoutMillis);

    /** {@code write(2)} from a byte array: child-safe output with no Java lock. */
    long write(int fd, @In byte[] buffer, long count);

    /** {@code read(2)} into a byte array. */
    long read(int fd, @Out byte[] buffer, long count);

    /** {@code sigaction(2)} over raw {@code struct sigaction} memory (152 bytes on x86-64). */
    int sigaction(int signum, Pointer act, Pointer oldact);

    /** {@code sigprocmask(2)} over raw {@code sigset_t} memory (128 bytes). */
    int sigprocmask(int how, Pointer set, Pointer oldset);

    /** {@code waitid(2)} over raw {@code siginfo_t} memory (128 bytes). */
    int waitid(int idtype, int id, Pointer infop, int options);

    // --- /proc reader (ProcessTable): allocation-free file reads through one direct buffer ---

    /** {@code openat(2)} with a NUL-terminated path in native memory; no mode (never creates). */
    int openat(int dirfd, Pointer path, int flags);

    /** {@code read(2)} into native memory. */
    long read(int fd, Pointer buffer, long count);

    /** {@code close(2)}. */
    int close(int fd);

    /** {@code getdents64(2)} (glibc 2.30+): directory entries as {@code struct linux_dirent64} records. */
    long getdents64(int fd, Pointer buffer, long count);

    /** Loads the binding against the process's libc. */
    static LinuxLibC load() {
        return LibraryLoader.create(LinuxLibC.class).load("c");
    }
}
