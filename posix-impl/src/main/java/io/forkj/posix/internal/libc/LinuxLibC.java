package io.forkj.posix.internal.libc;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The jnr-ffi binding for the libc calls jnr-posix does not bind, but for the socket calls of listeners and clients
 * ({@link SocketLibC}, loaded only by them). Everything else goes through jnr-posix ({@link Native#posix()}). Every
 * method saves errno, read with {@link Native#errno()}.
 */
@SaveError
public interface LinuxLibC {

    /** Linux x86-64 / arm64 generic syscall numbers used through {@link #syscall}. */
    final class Sys {
        private static final boolean ARM64 = "aarch64".equals(System.getProperty("os.arch"));

        private Sys() {
        }

        /** {@code pidfd_send_signal(2)}, Linux 5.1. */
        public static final long PIDFD_SEND_SIGNAL = 424;
        /** {@code pidfd_open(2)}, Linux 5.3. */
        public static final long PIDFD_OPEN = 434;
        /** {@code close_range(2)}, Linux 5.9 (daemon: closes every inherited fd in one call). */
        public static final long CLOSE_RANGE = 436;
        /**
         * {@code rt_sigaction(2)}, which differs by architecture (13 on x86-64, 134 on arm64). The daemon resets
         * signals 32 and 33 with it too, which glibc's {@code sigaction} refuses to touch but a parent may have
         * left ignored.
         */
        public static final long RT_SIGACTION = ARM64 ? 134 : 13;
        /** {@code setsid(2)}: through {@link #syscall}, whose stub a daemon child has already run. */
        public static final long SETSID = ARM64 ? 157 : 112;
        /** {@code rt_sigprocmask(2)} with the kernel's 8-byte sigset. */
        public static final long RT_SIGPROCMASK = ARM64 ? 135 : 14;
        /** {@code exit_group(2)}, what {@code _exit(3)} calls: see {@link #SETSID}. */
        public static final long EXIT_GROUP = ARM64 ? 94 : 231;
        /**
         * {@code getpid(2)}: the harmless call the parent makes through {@code syscall} where a child makes
         * {@code exit_group}, so both run the same code; an invalid number (ENOSYS) would kill the JVM under a
         * seccomp filter whose default action kills.
         */
        public static final long GETPID = ARM64 ? 172 : 39;
        /** {@code futex(2)}: the stall probe reads it in /proc/PID/syscall; multiprocessing's locks wait on one. */
        public static final long FUTEX = ARM64 ? 98 : 202;
        /** {@code mmap(2)}: shared memory maps a memfd with it (six arguments, through {@link #syscall}). */
        public static final long MMAP = ARM64 ? 222 : 9;
        /** {@code wait4(2)}, what glibc's {@code waitpid} calls: read in /proc/self/task/TID/syscall. */
        public static final long WAIT4 = ARM64 ? 260 : 61;
        /** {@code waitid(2)}: read in /proc/self/task/TID/syscall. */
        public static final long WAITID = ARM64 ? 95 : 247;
    }

    /** Flags whose value is the same on x86-64 and arm64, written once. */
    final class Flags {
        private Flags() {
        }

        /** {@code O_CLOEXEC} for {@code open}, {@code pipe2}, {@code memfd_create}'s {@code MFD_CLOEXEC} is 1 instead. */
        public static final int O_CLOEXEC = 02000000;
        /** {@code open(2)} access modes and creation flags (the asm-generic values, shared by x86-64 and arm64). */
        public static final int O_RDONLY = 0;
        /** See {@link #O_RDONLY}. */
        public static final int O_WRONLY = 1;
        /** See {@link #O_RDONLY}. */
        public static final int O_RDWR = 2;
        /** See {@link #O_RDONLY}. */
        public static final int O_CREAT = 0100;
        /** See {@link #O_RDONLY}. */
        public static final int O_EXCL = 0200;
        /** See {@link #O_RDONLY}. */
        public static final int O_TRUNC = 01000;
        /** See {@link #O_RDONLY}. */
        public static final int O_APPEND = 02000;
        /** See {@link #O_RDONLY}; also {@code pipe2}'s. */
        public static final int O_NONBLOCK = 04000;
        /** {@code O_NOFOLLOW} differs between x86-64 (0400000) and arm64 (0100000): jnr-constants knows this platform's. */
        public static final int O_NOFOLLOW = jnr.constants.platform.OpenFlags.O_NOFOLLOW.intValue();
        /** {@code SOCK_CLOEXEC} for {@code socket}/{@code socketpair}: the kernel defines it as {@code O_CLOEXEC}. */
        public static final int SOCK_CLOEXEC = O_CLOEXEC;
    }

    /** {@code _exit(2)}. */
    void _exit(int status);

    /** {@code pause(2)}: sleeps until a signal arrives. */
    int pause();

    /** {@code signal(2)} with a raw handler value: 0 is {@code SIG_DFL}, 1 is {@code SIG_IGN}. */
    long signal(int signum, long handler);

    /** {@code clock_gettime(2)} into {@code {tv_sec, tv_nsec}} (a 64-bit {@code struct timespec}). */
    int clock_gettime(int clockId, @Out long[] timespec);

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

    /** {@code epoll_create1(2)}. */
    int epoll_create1(int flags);

    /** {@code epoll_ctl(2)} over one raw {@code struct epoll_event} (see {@link EpollEvents}); null for DEL. */
    int epoll_ctl(int epfd, int op, int fd, Pointer event);

    /** {@code epoll_wait(2)} into an array of raw {@code struct epoll_event} (see {@link EpollEvents}). */
    int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMillis);

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

    /**
     * {@code openat(2)} with a NUL-terminated path in a byte array: for code a FORK child runs, which must not
     * open a file through java.nio (every channel registers with the JDK's common {@code Cleaner} under a Java
     * monitor its thread may have held at the fork).
     */
    int openat(int dirfd, @In byte[] path, int flags);

    /**
     * {@code readlink(2)} with a NUL-terminated path in a byte array, for code a FORK child runs: java.nio's
     * {@code Files.readSymbolicLink} takes a thread's first native path buffer from the common {@code Cleaner},
     * under the same monitor.
     */
    long readlink(@In byte[] path, @Out byte[] buffer, long size);
    // ---- daemon: allocation-free forms for the forked daemon children, which may run no code path for the
    // first time and allocate nothing. Paths and argv/envp are C strings and pointer arrays prepared in native
    // memory by the launcher before the fork, so no String is converted after it. The daemon launcher loads its
    // own instance of this binding, so the stubs its children run are not hot elsewhere in the JVM: a call in a
    // child that tips a hot method's counter over a JIT threshold asks the compiler queue for a lock that a
    // compiler thread may have held at fork time, and the child then waits forever (seen with gdb).

    /** {@code fork(2)} (glibc's, which runs the atfork handlers that keep malloc usable in the child). */
    int fork();

    /** {@code getpid(2)}. */
    int getpid();

    /** {@code dup2(2)}: used in forked children, so it is a plain int call with nothing to load. */
    int dup2(int oldFd, int newFd);

    /** {@code close(2)}. */
    int close(int fd);

    /** {@code getdents64(2)} (glibc 2.30+): directory entries as {@code struct linux_dirent64} records. */
    long getdents64(int fd, Pointer buffer, long count);
    /** {@code umask(2)}. */
    int umask(int mask);

    /** {@code open(2)} of a C string at a native address prepared before the fork. */
    int open(long path, int flags, int mode);

    /** {@code chdir(2)} to a C string at a native address prepared before the fork. */
    int chdir(long path);

    /** {@code execve(2)}: addresses of a C string and of NULL-terminated {@code argv}/{@code envp} arrays. */
    int execve(long path, long argv, long envp);

    /** {@code setgid(2)}. */
    int setgid(int gid);

    /** {@code setgroups(2)} over a native {@code gid_t} array at {@code groups}. */
    int setgroups(long size, long groups);

    /** {@code socket(2)}: the launcher's {@code sd_notify} datagram. */
    int socket(int domain, int type, int protocol);

    /** {@code sendto(2)} with a raw {@code struct sockaddr_un}. */
    long sendto(int fd, @In byte[] buffer, long length, int flags, @In byte[] address, int addressLength);
    // ---- Guarded fork and spawn (issue 3). jnr-posix's posix_spawnp returns -1 and drops the error number
    // posix_spawn returns, and binds neither addchdir_np (glibc 2.29) nor addclosefrom_np (glibc 2.34), so
    // the spawn family is bound here over raw, library-allocated attribute memory.


    /** {@code posix_spawnp(3)}: returns 0 or the error number (errno is not the contract). */
    int posix_spawnp(@Out int[] pid, String file, Pointer fileActions, Pointer attr,
                     @In CharSequence[] argv, @In CharSequence[] envp);

    /** {@code posix_spawnp(3)} with an {@code envp} array already in native memory. */
    int posix_spawnp(@Out int[] pid, String file, Pointer fileActions, Pointer attr,
                     @In CharSequence[] argv, Pointer envp);

    /** {@code posix_spawn_file_actions_init(3)} on at least 80 bytes. */
    int posix_spawn_file_actions_init(Pointer fileActions);

    /** {@code posix_spawn_file_actions_destroy(3)}. */
    int posix_spawn_file_actions_destroy(Pointer fileActions);

    /** {@code posix_spawn_file_actions_adddup2(3)}; {@code fd == newfd} clears FD_CLOEXEC (glibc 2.29+). */
    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newfd);

    /** {@code posix_spawn_file_actions_addopen(3)}. */
    int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int oflag, int mode);

    /** {@code posix_spawn_file_actions_addclose(3)}; closing an fd that is not open is not an error. */
    int posix_spawn_file_actions_addclose(Pointer fileActions, int fd);

    /** {@code posix_spawn_file_actions_addchdir_np(3)}, glibc 2.29. */
    int posix_spawn_file_actions_addchdir_np(Pointer fileActions, String path);

    /** {@code posix_spawn_file_actions_addclosefrom_np(3)}, glibc 2.34: closes every fd {@code >= from}. */
    int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    /** {@code posix_spawnattr_init(3)} on at least 336 bytes. */
    int posix_spawnattr_init(Pointer attr);

    /** {@code posix_spawnattr_destroy(3)}. */
    int posix_spawnattr_destroy(Pointer attr);

    /** {@code posix_spawnattr_setflags(3)}. */
    int posix_spawnattr_setflags(Pointer attr, short flags);

    /** {@code posix_spawnattr_setpgroup(3)}. */
    int posix_spawnattr_setpgroup(Pointer attr, int pgroup);

    /** {@code posix_spawnattr_setsigmask(3)} from raw {@code sigset_t} memory. */
    int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

    /** {@code posix_spawnattr_setsigdefault(3)} from raw {@code sigset_t} memory. */
    int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

    // ---- multiprocessing: processes, standby JVMs and Pipe connections (issue 13).
    // Pipe connections: socketpair for duplex pipes, and read/write straight from native memory at a raw address,
    // so a message moves with one memory copy and no per-call array marshalling by jnr.

    /** {@code socketpair(2)}: {@code Pipe(duplex=True)} over {@code AF_UNIX}, {@code SOCK_STREAM|SOCK_CLOEXEC}. */
    int socketpair(int domain, int type, int protocol, @Out int[] fds);

    /** {@code read(2)} into native memory at {@code address}. */
    long read(int fd, long address, long count);

    /** {@code write(2)} from native memory at {@code address}. */
    long write(int fd, long address, long count);

    /** {@code poll(2)} over {@code struct pollfd} records at a raw native address. */
    int poll(long fds, long nfds, int timeoutMillis);

    /** {@code fcntl(2)} with an int argument (F_GETFD/F_SETFD, F_GETFL/F_SETFL). */
    int fcntl(int fd, int cmd, int arg);


    // ---- end of issue 13's calls.

    // ---- multiprocessing: shared memory, futexes and locks (issue 14).

    /** {@code memfd_create(2)} (glibc 2.27): an anonymous file the kernel frees with its last fd and mapping. */
    int memfd_create(String name, int flags);

    /** {@code ftruncate(2)}: sizes a memfd. */
    int ftruncate(int fd, long length);

    /**
     * {@code syscall(2)} with six arguments, for {@code mmap(2)}: jnr-ffi passes a bound {@code mmap}'s sixth
     * argument (the offset) as garbage on x86-64 (glibc then fails with EINVAL before any system call), while
     * this seven-argument form works.
     */
    long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    /** {@code munmap(2)}. */
    int munmap(long address, long length);

    /** {@code madvise(2)}: {@code MADV_WIPEONFORK} (Linux 4.14) marks the per-process identity page. */
    int madvise(long address, long length, int advice);

    /**
     * {@code syscall(2)} for {@code futex(2)}'s wait: {@code timeout} is a {@code struct timespec}
     * {@code {seconds, nanoseconds}} copied to native memory for the call.
     */
    long syscall(long number, long address, long operation, long value, @In long[] timeout);

    // ---- end of issue 14's calls.

    // ---- multiprocessing: queues, pools and managers (issue 15).

    // ---- end of issue 15's calls.

    /** Loads the binding against the process's libc. */
    static LinuxLibC load() {
        return LibraryLoader.create(LinuxLibC.class).load("c");
    }
}
