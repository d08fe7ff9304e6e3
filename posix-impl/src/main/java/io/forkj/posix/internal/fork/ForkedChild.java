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
    private final byte[] lockHeld = new byte[1];
    private static final long FUTEX_WAIT_PRIVATE = 128;
    private static final byte[] STARTED = {1};
    private static final Pointer STAND_IN_LOCK = Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true);

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
        this.locks = locks;
        this.stallBeforeStart = stallBeforeStart;
        this.context = context;
        this.resetSignals = resetSignals;
        this.unblock = unblock;
        this.dupFrom = dupFrom;
        this.dupTo = dupTo;
        this.startedFd = startedFd;
    }

    /** Runs in the child after {@code fork()} returned 0: the body, then {@code _exit}. Never returns. */
    public void runAndExit(ChildBody body) {
        int code = EXIT_THREW;
        try {
            code = run(body);
        } finally {
            Native.libc()._exit(code);
        }
    }

    /** The child path up to the exit code, shared by the child and the parent-side warm-up. */
    int run(ChildBody body) {
        try {
            for (int sig : resetSignals) {
                Native.libc().signal(sig, SIG_DFL);
            }
            Native.libc().sigprocmask(SIG_UNBLOCK, unblock, null);
            for (int i = 0; i < dupFrom.length; i++) {
                Native.libc().dup2(dupFrom[i], dupTo[i]);
            }
            if (stallBeforeStart != null) {
                while (true) {
                    Native.libc().syscall(LinuxLibC.Sys.FUTEX, stallBeforeStart.address(), FUTEX_WAIT_PRIVATE, 0, 0);
                }
            }
            if (startedFd >= 0) {
                int held = locks.firstHeld();
                if (held >= 0) {
                    lockHeld[0] = (byte) (LOCK_HELD_BASE + Math.min(held, 255 - LOCK_HELD_BASE));
                    Native.libc().write(startedFd, lockHeld, 1);
                    Native.posix().close(startedFd);
                    return EXIT_LOCK_HELD;
                }
                locks.stopCompiling();
                Native.libc().write(startedFd, STARTED, 1);
                Native.posix().close(startedFd);
            }
            body.run(context);
            return 0;
        } catch (Throwable t) {
            report(t);
            return EXIT_THREW;
        }
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
            for (long i = 0; i < 20_000; i++) {
                sink += real.firstHeld(); // whatever parent threads hold now: this only compiles the check
                if ((i & 15) == 0) {
                    // A check that never found a lock held is compiled with a trap on that branch, and a child that
                    // finds one deoptimizes, which takes a lock the compiler threads use (gdb, docs/DESIGN.md).
                    sink += alwaysHeld.firstHeld();
                }
                sink += ForkedContext.digits(i * 7919 - 10_000, scratch);
                sink += context.getpid() + context.getppid() + posix.getpid() + posix.getppid();
            }
            if (sink == 42) {
                Native.libc().write(devNull, scratch, 1); // keeps the loop from being optimized away
            }
            // Both ways through the lock check, on a stand-in lock word: free (the body runs) and held.
            Pointer word = Runtime.getSystemRuntime().getMemoryManager().newPointer(STAND_IN_LOCK.address());
            JvmLocks standIn = JvmLocks.single("warm-up", word);
            for (int round = 0; round < 20; round++) {
                if (child.run(writes) != 0 || child.run(throwsBody) != EXIT_THREW) {
                    throw new IllegalStateException("forkj warm-up: the child path did not give exit codes 0 and 70");
                }
                boolean held = round % 2 == 1;
                word.putInt(0, held ? 1 : 0);
                // The started signal's write and close, on a copy of /dev/null the close may consume.
                int started = Native.posix().dup(devNull);
                ForkedChild signalling = new ForkedChild(context, new int[] {0}, Sigsets.of(), new int[] {devNull},
                        new int[] {devNull}, started, standIn, null);
                if (started < 0 || signalling.run(writes) != (held ? EXIT_LOCK_HELD : 0)) {
                    throw new IllegalStateException("forkj warm-up: the child path with a started pipe did not give exit code 0");
                }
            }
        } finally {
            Native.posix().close(devNull);
        }
    }
}
