package io.forkj.posix.internal.fork;

import io.forkj.posix.internal.libc.Arguments;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.Sigsets;

import io.forkj.posix.ChildBody;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The code a guarded fork runs in the child, with everything it touches prepared in the parent: the
 * context with its output buffer, the signal numbers, the {@code sigset_t} to unblock, the fds to
 * {@code dup2}. {@link #warmUp()} runs the very same methods in the parent with harmless arguments (an invalid
 * signal number, an empty set, {@code dup2} of a {@code /dev/null} fd onto itself), because a path a forked
 * child runs for the first time can block forever on a lock no thread of the child will release.
 */
public final class ForkedChild {
    /** Exit code of a child whose body threw: {@code EX_SOFTWARE} from sysexits.h. */
    public static final int EXIT_THREW = 70;
    /** Exit code of a child that found a JVM lock held at the fork and gave up before its body ({@code EX_TEMPFAIL}). */
    public static final int EXIT_LOCK_HELD = 75;
    /**
     * The first byte value on the started pipe that means "JVM lock number (value - this) was held at the fork;
     * the body did not start" rather than "the body starts" (1).
     */
    public static final int LOCK_HELD_BASE = 2;
    /**
     * The lock index a child reports (as byte {@link #LOCK_HELD_BASE} + it, the last byte value) when no lock was
     * held but its eden was too full to start ({@link AllocationBudget#shortInChild()}).
     */
    public static final int SHORT_BUDGET = 255 - LOCK_HELD_BASE;
    private static final int SIG_DFL = 0;
    private static final int SIG_UNBLOCK = 1;

    private final ForkedContext context;
    private final int[] resetSignals;
    private final Pointer unblock;
    private final int[] dupFrom;
    private final int[] dupTo;
    private final int startedFd;
    private final Pointer stallBeforeStart;
    private final JvmLocks locks;
    private final long exitCall;
    /** 1 if the child checks its eden before its body (with this JVM's real locks), 0 for the stand-ins. */
    private final int checksBudget;
    private static final long FUTEX_WAIT_PRIVATE = 128;
    private static final int STARTED = 1;
    /** A pid {@link #afterFork} takes for the parent's, when the parent rehearses. */
    private static final int REHEARSAL_PID = 1;
    /** Read from a field: in compiled code a constant, no call. */
    private static final LinuxLibC LIBC = Native.libc();
    /**
     * Every value a start byte can have, at its own offset in native memory: the child's one write passes an
     * address, so the binding marshals no Java array (jnr copies one through transient native memory, with calls
     * the child could be the first to link).
     */
    private static final Pointer START_BYTES = startBytes();

    /**
     * @param context      what the body sees
     * @param resetSignals signals set to SIG_DFL
     * @param unblock      the same signals as a {@code sigset_t}, unblocked after the reset
     * @param dupFrom      fds opened by the parent ...
     * @param dupTo        ... and where the child puts them (1, 2)
     */
    public ForkedChild(ForkedContext context, int[] resetSignals, Pointer unblock, int[] dupFrom, int[] dupTo) {
        this(context, resetSignals, unblock, dupFrom, dupTo, -1);
    }

    /**
     * @param startedFd the write end of a pipe the child writes one byte to, then closes, just before the body
     *                  starts: the parent tells a stall in the fork or set-up (safe to retry) from one in the
     *                  body; -1 for none
     */
    public ForkedChild(ForkedContext context, int[] resetSignals, Pointer unblock, int[] dupFrom, int[] dupTo,
                       int startedFd) {
        this(context, resetSignals, unblock, dupFrom, dupTo, startedFd, JvmLocks.ofThisJvm(), null);
    }

    /**
     * @param locks            the JVM locks the child checks before its body (only with a started pipe): one held
     *                         at the fork makes the child write {@link #LOCK_HELD_BASE} + its index instead of the
     *                         started byte and exit with {@link #EXIT_LOCK_HELD}
     * @param stallBeforeStart fault injection for tests: if not null, the child waits for ever on this private
     *                         futex (an int 0 in memory) before it signals its start, as a child whose fork caught
     *                         a JVM lock held does
     */
    public ForkedChild(ForkedContext context, int[] resetSignals, Pointer unblock, int[] dupFrom, int[] dupTo,
                       int startedFd, JvmLocks locks, Pointer stallBeforeStart) {
        this(context, resetSignals, unblock, dupFrom, dupTo, startedFd, locks, stallBeforeStart,
                LinuxLibC.Sys.EXIT_GROUP);
    }

    /**
     * @param exitCall the system call that ends the child: {@code exit_group}, or {@code getpid} for the warm-up (a
     *                 call every seccomp filter allows, where an invalid number could kill the JVM under one)
     */
    private ForkedChild(ForkedContext context, int[] resetSignals, Pointer unblock, int[] dupFrom, int[] dupTo,
                        int startedFd, JvmLocks locks, Pointer stallBeforeStart, long exitCall) {
        this.exitCall = exitCall;
        this.locks = locks;
        this.checksBudget = locks == JvmLocks.ofThisJvm() ? 1 : 0;
        this.stallBeforeStart = stallBeforeStart;
        this.context = context;
        this.resetSignals = resetSignals;
        this.unblock = unblock;
        this.dupFrom = dupFrom;
        this.dupTo = dupTo;
        this.startedFd = startedFd;
    }

    /**
     * Called with {@code fork()}'s result as soon as it returns, in the parent as in the child: returns in the parent;
     * in the child checks the JVM locks, runs the body and {@code _exit}s, never returning. Everything a child does
     * up to its check, and on its way out when the check finds a lock held, is code the parent runs after every
     * fork (and right before it, {@link #rehearse()}): the same compiled code, whose calls the parent has linked, a
     * child that found a lock held taking the parent's very branch with other values (a write of one byte instead
     * of none, {@code exit_group} instead of {@code getpid}). A call that compiled code makes only in a
     * child is linked by the child, under {@code CompiledIC_lock}; a method the parent never ran gets its counters
     * from the metaspace in the child; a branch the parent never took deoptimizes: each can need the very lock
     * found held (gdb and {@code jhsdb jstack} on stalled children, docs/DESIGN.md).
     */
    public void afterFork(int pid, ChildBody body) {
        int held = startedFd >= 0 ? firstObstacle() : -1;
        int inChild = ((pid | -pid) >>> 31) ^ 1; // 1 in the child; no branch, so the child runs the parent's code
        int heldInChild = inChild & ((held >>> 31) ^ 1);
        if ((inChild ^ 1 | heldInChild) != 0) {
            // Not through writeStartByte: one Java call fewer whose counters could overflow here, before the exit.
            long lockByte = START_BYTES.address() + LOCK_HELD_BASE + Math.min(held, 255 - LOCK_HELD_BASE);
            LIBC.write(startedFd, lockByte, heldInChild);
            LIBC.syscall(heldInChild * (exitCall - LinuxLibC.Sys.GETPID) + LinuxLibC.Sys.GETPID, EXIT_LOCK_HELD, 0, 0, 0);
            return;
        }
        int code = EXIT_THREW;
        try {
            locks.stopCompiling();
            code = run(body);
        } finally {
            LIBC.syscall(exitCall, code, 0, 0, 0); // _exit(2): the same system call, through a binding the parent runs
        }
    }

    /**
     * The first JVM lock held, else {@link #SHORT_BUDGET} if eden is too full for the body, else -1; the budget's
     * part without a branch on its outcome.
     */
    private int firstObstacle() {
        int lock = locks.firstHeld();
        int noLock = lock >>> 31;
        return lock + noLock * checksBudget * AllocationBudget.shortInChild() * (SHORT_BUDGET + 1);
    }

    /** What the parent runs of {@link #afterFork} before a fork: the check and the held path's calls, to no effect. */
    public void rehearse() {
        afterFork(REHEARSAL_PID, null);
    }

    /**
     * The child path after the lock check, up to the exit code; the parent-side warm-up runs it too (on
     * {@code /dev/null}, with harmless arguments).
     */
    int run(ChildBody body) {
        try {
            for (int sig : resetSignals) {
                LIBC.signal(sig, SIG_DFL);
            }
            LIBC.sigprocmask(SIG_UNBLOCK, unblock, null);
            for (int i = 0; i < dupFrom.length; i++) {
                LIBC.dup2(dupFrom[i], dupTo[i]);
            }
            if (stallBeforeStart != null) {
                while (true) {
                    LIBC.syscall(LinuxLibC.Sys.FUTEX, stallBeforeStart.address(), FUTEX_WAIT_PRIVATE, 0, 0);
                }
            }
            if (startedFd >= 0) {
                writeStartByte(startedFd, STARTED);
                Native.posix().close(startedFd);
            }
            body.run(context);
            return 0;
        } catch (Throwable t) {
            report(t);
            return EXIT_THREW;
        }
    }

    private static long writeStartByte(int fd, int value) {
        return LIBC.write(fd, START_BYTES.address() + value, 1);
    }

    private static Pointer startBytes() {
        Pointer bytes = Memory.allocateDirect(Runtime.getSystemRuntime(), 256, true);
        for (int value = 0; value < 256; value++) {
            bytes.putByte(value, (byte) value);
        }
        return bytes;
    }

    /** "java.lang.IllegalStateException: message" on the context's fd 2, written piece by piece. */
    private void report(Throwable t) {
        try {
            context.err(t.getClass().getName());
            String message = t.getMessage();
            if (message != null) {
                context.err(": ");
                context.err(message);
            }
            context.err("\n");
        } catch (Throwable ignored) {
            // The exit code still says the body failed.
        }
    }

    /**
     * Runs the child path in the parent: every class the child uses is loaded and linked, every call site
     * resolved, every native stub bound, before any child exists. Exercises the encoder with 1- to 4-byte
     * characters, a lone surrogate and a text longer than the buffer, and the throwing path.
     */
    public static void warmUp() {
        int devNull = Native.posix().open("/dev/null", LinuxLibC.Flags.O_WRONLY | LinuxLibC.Flags.O_CLOEXEC, 0);
        if (devNull < 0) {
            throw new io.forkj.PosixException("open(/dev/null)", Native.errno());
        }
        try {
            ForkedContext context = new ForkedContext(devNull, devNull);
            // Signal 0 makes signal(2) fail with EINVAL and the empty set unblocks nothing: same calls, no effect.
            ForkedChild child = new ForkedChild(context, new int[] {0}, Sigsets.of(), new int[] {devNull},
                    new int[] {devNull});
            StringBuilder longText = new StringBuilder();
            for (int i = 0; i < 3000; i++) {
                longText.append("a\u00e9\u20ac");
            }
            String text = longText.append("\ud83d\ude00\ud83d").toString();
            ChildBody writes = ctx -> {
                ctx.out(text);
                ctx.out(Long.MIN_VALUE);
                ctx.err(null);
                ctx.getpid();
                ctx.getppid();
                Arguments.exitStatus(0);
            };
            ChildBody throwsBody = ctx -> {
                throw new IllegalStateException("warm-up \u00e9");
            };
            // Enough rounds (~240,000 encoder iterations) for the JIT to compile the encoder in the parent. A
            // child whose interpreted loop crosses a compile threshold asks for a compilation, which involves
            // compiler threads it does not have: the likely cause of one stall seen writing a long text.
            // Until the JIT has compiled them here: an interpreted method whose counters cross a threshold in a
            // child makes the child ask for a compilation, which can stall it (seen on JDK 17 and 25).
            byte[] scratch = new byte[24];
            io.forkj.Posix posix = io.forkj.Posix.get();
            long sink = 0;
            JvmLocks real = JvmLocks.ofThisJvm();
            JvmLocks alwaysHeld = JvmLocks.heldStandIn();
            // The parent's side of afterFork, both ways through its check (a child that finds a lock held runs it too),
            ForkedChild parentSide = new ForkedChild(context, new int[] {0}, Sigsets.of(), new int[0], new int[0],
                    devNull, real, null);
            ForkedChild parentSideHeld = new ForkedChild(context, new int[] {0}, Sigsets.of(), new int[0], new int[0],
                    devNull, alwaysHeld, null);
            // And the child's side, ending in getpid instead of exit_group: a branch the parent never
            // took would be compiled as a trap, and the child would deoptimize there.
            ForkedChild childSideHeld = new ForkedChild(context, new int[] {0}, Sigsets.of(), new int[0], new int[0],
                    devNull, alwaysHeld, null, LinuxLibC.Sys.GETPID);
            JvmLocks free = JvmLocks.freeStandIn();
            ChildBody empty = ctx -> { };
            for (long i = 0; i < 20_000; i++) {
                sink += real.firstHeld(); // whatever parent threads hold now: this only compiles the check
                if ((i & 15) == 0) {
                    // The child's set-up calls, until each native method has its compiled wrapper: a child calling one
                    // without makes the wrapper itself, under CodeCache_lock (gdb on a stalled child). No effect:
                    // signal 0 fails with EINVAL, the set is empty, the fd is dup2'ed onto itself.
                    Native.libc().signal(0, SIG_DFL);
                    Native.libc().sigprocmask(SIG_UNBLOCK, child.unblock, null);
                    Native.libc().dup2(devNull, devNull);
                    writeStartByte(devNull, STARTED);
                    // afterFork every way: parent, child with a lock held, child with none (until exit_group). A check
                    // that never found a lock held is compiled with a trap on that branch, and a child that finds one
                    // deoptimizes, which takes a lock the compiler threads use (gdb, docs/DESIGN.md).
                    parentSide.rehearse();
                    parentSideHeld.rehearse();
                    childSideHeld.afterFork(0, empty);
                    int started = Native.posix().dup(devNull); // run closes it
                    if (started < 0) {
                        throw new io.forkj.PosixException("dup(/dev/null)", Native.errno());
                    }
                    new ForkedChild(context, new int[] {0}, Sigsets.of(), new int[] {devNull}, new int[] {devNull},
                            started, free, null, LinuxLibC.Sys.GETPID).afterFork(0, empty);
                }
                sink += ForkedContext.digits(i * 7919 - 10_000, scratch);
                sink += context.getpid() + context.getppid() + posix.getpid() + posix.getppid();
            }
            if (sink == 42) {
                Native.libc().write(devNull, scratch, 1); // keeps the loop from being optimized away
            }
            for (int round = 0; round < 20; round++) {
                if (child.run(writes) != 0 || child.run(throwsBody) != EXIT_THREW) {
                    throw new IllegalStateException("forkj warm-up: the child path did not give exit codes 0 and 70");
                }
                // The started signal's write and close, on a copy of /dev/null the close may consume.
                int started = Native.posix().dup(devNull);
                ForkedChild signalling = new ForkedChild(context, new int[] {0}, Sigsets.of(), new int[] {devNull},
                        new int[] {devNull}, started, free, null);
                if (started < 0 || signalling.run(writes) != 0) {
                    throw new IllegalStateException("forkj warm-up: the child path with a started pipe did not give exit code 0");
                }
            }
        } finally {
            Native.posix().close(devNull);
        }
    }
}
