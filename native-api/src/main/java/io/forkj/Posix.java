package io.forkj;

import java.util.ServiceLoader;

/**
 * A thin, typed facade over the Linux C library's process calls: Python's {@code os} module, Rust's
 * {@code nix::unistd} and {@code nix::sys::wait}. One instance per JVM, from {@link #get()}.
 *
 * <p>Every call that fails in libc throws {@link PosixException} with errno, its name and the call.
 * Arguments that would change a call's meaning silently (pid 0 or -1 to {@code kill}, an exit status
 * above 255) are refused with {@link IllegalArgumentException} before anything reaches the kernel.
 *
 * <p><b>Forking a JVM.</b> {@link #fork()} is the raw call: the child has only the calling thread, no GC,
 * no JIT and no signal dispatcher. A child made with it must do very little and end with {@link #_exit(int)}.
 * For Java code in a child use the guarded fork of {@code forkj-posix} ({@code io.forkj.posix.Fork}),
 * which enforces the rules that keep that safe. In a JVM whose Java heap is a shared mapping (ZGC's memfd,
 * {@code -XX:AllocateHeapAt}, {@code -XX:+UseSHM}) the child would write into the parent's live heap: every fork
 * that runs Java code in the child is refused there.
 */
public interface Posix {

    /**
     * The implementation for this JVM, found with {@link ServiceLoader} (add {@code forkj-posix} to the
     * class path).
     *
     * @throws IllegalStateException if no implementation is on the class path
     */
    static Posix get() {
        return PosixHolder.instance();
    }

    /**
     * {@code fork(2)}: returns the child's pid in the parent and 0 in the child (Python's {@code os.fork()}).
     *
     * @throws PosixException with {@code EAGAIN} (process limit) or {@code ENOMEM}
     * @throws UnsupportedOperationException if this JVM's Java heap is a shared mapping ({@code -XX:+UseZGC},
     *                                       {@code -XX:AllocateHeapAt}, {@code -XX:+UseSHM}): the child's Java code
     *                                       would write into this JVM's heap
     */
    int fork();

    /** {@code getpid(2)}: this process's pid (Python's {@code os.getpid()}). Never fails. */
    int getpid();

    /**
     * {@code getppid(2)}: the parent's pid (Python's {@code os.getppid()}); after the parent dies, the pid of
     * the process that adopted this one (init or the nearest subreaper). Never fails.
     */
    int getppid();

    /**
     * {@code _exit(2)}: ends the process at once with {@code status}, running no shutdown hook, no finalizer
     * and flushing no Java stream (Python's {@code os._exit}). Never returns.
     *
     * @throws IllegalArgumentException if {@code status} is outside 0..255 (the kernel would keep only the
     *                                  low 8 bits, so 256 would look like success)
     */
    void _exit(int status);

    /**
     * {@code waitpid(pid, &status, options)} for one child (Python's {@code os.waitpid(pid, options)}),
     * decoded. Retries on {@code EINTR}.
     *
     * @param pid     the child, {@code > 0}; use {@link #waitAny} or {@link #waitProcessGroup} for the others
     * @param options {@link WaitOption#WNOHANG}, {@link WaitOption#WUNTRACED}, {@link WaitOption#WCONTINUED}
     * @return the child's new state, or {@link WaitStatus.NoChange} with {@code WNOHANG} when it has none
     * @throws IllegalArgumentException if {@code pid <= 0} or an option is waitid-only
     * @throws PosixException           with {@code ECHILD} if {@code pid} is not a child of this process
     */
    WaitStatus waitpid(int pid, WaitOption... options);

    /**
     * {@code waitpid(-1, &status, options)}: the next child of any kind to change state.
     * This may reap children that other code (such as {@code java.lang.Process}) is waiting for; prefer
     * per-pid waits in a JVM.
     *
     * @throws PosixException with {@code ECHILD} if this process has no child
     */
    WaitStatus waitAny(WaitOption... options);

    /**
     * {@code waitpid(-pgid, &status, options)}: the next child in process group {@code pgid}.
     *
     * @throws IllegalArgumentException if {@code pgid <= 0}
     * @throws PosixException           with {@code ECHILD} if no child is in that group
     */
    WaitStatus waitProcessGroup(int pgid, WaitOption... options);

    /**
     * {@code wait(&status)} (Python's {@code os.wait()}): the same call as {@link #waitAny} with no option,
     * which is how C defines {@code wait}.
     *
     * @throws PosixException with {@code ECHILD} if this process has no child
     * @deprecated use {@link #waitAny} with no option: one name for one call
     */
    @Deprecated
    default WaitStatus waitChild() {
        return waitAny();
    }

    /**
     * {@code kill(pid, sig)} to one process (Python's {@code os.kill}).
     *
     * @param pid a single process, {@code > 0}. 0 (my process group) and negative values (a group, or -1 for
     *            every process this user may signal) are refused: use {@link #killProcessGroup}
     * @throws IllegalArgumentException if {@code pid <= 0}
     * @throws PosixException           with {@code ESRCH} (no such process) or {@code EPERM}
     */
    void kill(int pid, Signal signal);

    /**
     * {@code killpg(pgid, sig)}, i.e. {@code kill(-pgid, sig)}: every process in group {@code pgid}
     * (Python's {@code os.killpg}).
     *
     * @throws IllegalArgumentException if {@code pgid <= 1}: 0 would mean the caller's own group and 1
     *                                  would make {@code kill(-1)}, every process
     * @throws PosixException           with {@code ESRCH} or {@code EPERM}
     */
    void killProcessGroup(int pgid, Signal signal);

    /**
     * {@code kill(pid, 0)}: whether a process with this pid exists (it may be a zombie, and it may not be
     * the process you once knew if the pid was recycled).
     *
     * @throws IllegalArgumentException if {@code pid <= 0}
     */
    boolean exists(int pid);

    /**
     * {@code setsid(2)}: makes the caller a session and group leader with no controlling terminal
     * (Python's {@code os.setsid}). Returns the new session id.
     *
     * @throws PosixException with {@code EPERM} if the caller already leads a process group
     */
    int setsid();

    /**
     * {@code setpgid(pid, pgid)} (Python's {@code os.setpgid}); 0 for either means the caller.
     *
     * @throws IllegalArgumentException if either is negative
     */
    void setpgid(int pid, int pgid);

    /**
     * {@code getpgid(pid)}: the process group of {@code pid}, 0 meaning the caller (Python's {@code os.getpgid}).
     *
     * @throws IllegalArgumentException if {@code pid < 0}
     * @throws PosixException           with {@code ESRCH}
     */
    int getpgid(int pid);

    /**
     * {@code getsid(pid)}: the session of {@code pid}, 0 meaning the caller (Python's {@code os.getsid}).
     *
     * @throws IllegalArgumentException if {@code pid < 0}
     * @throws PosixException           with {@code ESRCH}
     */
    int getsid(int pid);
}

/**
 * Loads the implementation once, on first use (the class initializer is the lock). A missing implementation is
 * remembered as null, not as a failed initializer, so every call gets the same {@link IllegalStateException}
 * instead of an {@code ExceptionInInitializerError} and then {@code NoClassDefFoundError}s.
 */
final class PosixHolder {
    private PosixHolder() {
    }

    private static final Posix INSTANCE = ServiceLoader.load(Posix.class, Posix.class.getClassLoader())
            .findFirst()
            .orElse(null);

    static Posix instance() {
        if (INSTANCE == null) {
            throw new IllegalStateException("no io.forkj.Posix implementation on the class path: add io.forkj:forkj-posix");
        }
        return INSTANCE;
    }
}
