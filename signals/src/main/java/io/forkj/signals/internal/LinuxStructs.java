package io.forkj.signals.internal;

import io.forkj.WaitStatus;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.Siginfo;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.lang.ref.Reference;

/**
 * The raw memory layouts of the kernel/glibc structs the signals module passes to libc, in one place.
 * jnr-posix binds none of them usably (its {@code sigaction} takes no struct), and jnr {@code Struct} classes
 * load classes on first use, which a forked child cannot afford; so these are plain offsets into
 * {@link Memory}. Offsets are glibc's x86-64 and arm64 ones (LP64):
 * <pre>
 * struct sigaction (152 bytes)     siginfo_t for SIGCHLD (128 bytes)   (struct pollfd: PollFds)
 *   0  sa_handler  (8)               0  si_signo (int)
 *   8  sa_mask     (128, sigset_t)   4  si_errno (int)
 * 136  sa_flags    (int) + 4 pad     8  si_code  (int)
 * 144  sa_restorer (8)              16  si_pid   (int)
 *                                   20  si_uid   (int)
 *                                   24  si_status(int)
 * </pre>
 * Only the first 8 bytes of {@code sa_mask} carry signals (1..64); the kernel ignores the rest.
 *
 * <p>Dispositions are changed with the raw {@code rt_sigaction} system call, not glibc's {@code sigaction}:
 * glibc adds {@code SA_RESTORER} and its own restorer to every struct it passes down, so a disposition the
 * JVM never touched (flags 0, restorer 0) could not be put back as it was. The kernel's struct is
 * {@code handler (8), flags (unsigned long, 8), restorer (8), mask (8)}, 32 bytes, on x86-64 and arm64.
 */
public final class LinuxStructs {
    /** {@code sizeof(struct sigaction)}. */
    public static final int SIGACTION_SIZE = 152;
    /** {@code sizeof(siginfo_t)}. */
    public static final int SIGINFO_SIZE = Siginfo.SIZE;

    /** {@code rt_sigaction(2)}'s number: 13 on x86-64, 134 on arm64. */
    private static final int K_HANDLER = 0;
    private static final int K_FLAGS = 8;
    private static final int K_RESTORER = 16;
    private static final int K_MASK = 24;
    private static final int K_SIZE = 32;

    static final int SA_HANDLER = 0;
    static final int SA_MASK = 8;
    static final int SA_FLAGS = 136;
    static final int SA_RESTORER_OFFSET = 144;

    /** {@code SIG_DFL}. */
    public static final long SIG_DFL = 0;
    /** {@code SIG_IGN}. */
    public static final long SIG_IGN = 1;
    /** {@code SA_NOCLDSTOP}. */
    public static final int SA_NOCLDSTOP = 1;
    /** {@code SA_NOCLDWAIT}: children are reaped by the kernel, as with {@code SIG_IGN}. */
    public static final int SA_NOCLDWAIT = 2;
    /** {@code SA_SIGINFO}. */
    public static final int SA_SIGINFO = 4;
    /** {@code SA_RESTORER}: glibc sets it itself on every sigaction. */
    public static final int SA_RESTORER = 0x04000000;
    /** {@code SA_RESTART}. */
    public static final int SA_RESTART = 0x10000000;

    /** {@code waitid} id types. */
    public static final int P_PID = Siginfo.P_PID;
    /** {@code P_PIDFD}, Linux 5.4. */
    public static final int P_PIDFD = Siginfo.P_PIDFD;
    /** {@code waitid} options. */
    public static final int WNOHANG = Siginfo.WNOHANG;
    /** Wait for exited children. */
    public static final int WEXITED = Siginfo.WEXITED;
    /** Leave the child waitable. */
    public static final int WNOWAIT = Siginfo.WNOWAIT;



    private LinuxStructs() {
    }

    /** Zeroed native memory of {@code size} bytes. */
    public static Pointer allocate(int size) {
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), size);
        p.setMemory(0, size, (byte) 0);
        return p;
    }

    /** Copies a struct's bytes out, for a snapshot that outlives the native memory. */
    public static byte[] bytes(Pointer p, int size) {
        byte[] b = new byte[size];
        p.get(0, b, 0, size);
        return b;
    }

    /** Native memory holding a copy of {@code bytes}. */
    public static Pointer fromBytes(byte[] bytes) {
        Pointer p = allocate(bytes.length);
        p.put(0, bytes, 0, bytes.length);
        return p;
    }

    /** {@code sa_handler} of a {@code struct sigaction}. */
    public static long handler(Pointer sigaction) {
        return sigaction.getLong(SA_HANDLER);
    }

    /** The signals 1..64 of {@code sa_mask}, bit {@code n-1} for signal {@code n}. */
    public static long mask(Pointer sigaction) {
        return sigaction.getLong(SA_MASK);
    }

    /** {@code sa_flags}. */
    public static int flags(Pointer sigaction) {
        return sigaction.getInt(SA_FLAGS);
    }

    /** {@code sa_restorer}. */
    public static long restorer(Pointer sigaction) {
        return sigaction.getLong(SA_RESTORER_OFFSET);
    }

    /** A {@code struct sigaction} with this handler, an empty mask and these flags. */
    public static Pointer sigaction(long handler, int flags) {
        Pointer p = allocate(SIGACTION_SIZE);
        p.putLong(SA_HANDLER, handler);
        p.putInt(SA_FLAGS, flags);
        return p;
    }

    /** Sets {@code sa_flags} in place. */
    public static void setFlags(Pointer sigaction, int flags) {
        sigaction.putInt(SA_FLAGS, flags);
    }

    /** Sets the first 64 signal bits of {@code sa_mask} in place. */
    public static void setMask(Pointer sigaction, long mask) {
        sigaction.putLong(SA_MASK, mask);
    }

    /**
     * {@code rt_sigaction(signum, act, oldact, 8)} with both structs in glibc's layout (either may be null).
     * Returns 0, or -1 with errno set.
     */
    public static int rtSigaction(int signum, Pointer act, Pointer oldact) {
        Pointer kact = act == null ? null : allocate(K_SIZE);
        if (act != null) {
            kact.putLong(K_HANDLER, handler(act));
            kact.putLong(K_FLAGS, flags(act) & 0xffffffffL);
            kact.putLong(K_RESTORER, restorer(act));
            kact.putLong(K_MASK, mask(act));
        }
        Pointer kold = oldact == null ? null : allocate(K_SIZE);
        long r = Native.libc().syscall(LinuxLibC.Sys.RT_SIGACTION, signum, kact == null ? 0 : kact.address(),
                kold == null ? 0 : kold.address(), 8);
        // The memory must outlive the call: only raw addresses went down.
        Reference.reachabilityFence(kact);
        if (r == 0 && oldact != null) {
            oldact.setMemory(0, SIGACTION_SIZE, (byte) 0);
            oldact.putLong(SA_HANDLER, kold.getLong(K_HANDLER));
            oldact.putInt(SA_FLAGS, (int) kold.getLong(K_FLAGS));
            oldact.putLong(SA_RESTORER_OFFSET, kold.getLong(K_RESTORER));
            oldact.putLong(SA_MASK, kold.getLong(K_MASK));
        }
        Reference.reachabilityFence(kold);
        return (int) r;
    }

    /** Clears a {@code siginfo_t} before {@code waitid(WNOHANG)}, so {@code si_pid == 0} means "no change". */
    public static void clearSiginfo(Pointer siginfo) {
        Siginfo.clear(siginfo);
    }

    /** The wait status {@code waitid} stored for a child: {@link Siginfo#waitStatus}. */
    public static WaitStatus waitStatus(Pointer siginfo) {
        return Siginfo.waitStatus(siginfo);
    }
}
