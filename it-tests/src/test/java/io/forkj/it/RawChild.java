package io.forkj.it;

import io.forkj.Posix;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.WaitOption;
import io.forkj.WaitStatus;
import io.forkj.posix.internal.fork.JvmLocks;
import io.forkj.posix.internal.fork.QuietCompiler;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.PollFds;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.fail;

/**
 * Raw {@code fork()} for the foundation tests, which exercise the facade itself rather than the guarded fork.
 * The child runs a tiny body that only makes native calls already linked in the parent, then {@code _exit}s:
 * 0 when the body returns, 70 if it throws.
 *
 * <p>Measured on JDK 25: a child whose first call into jnr-posix's {@code setrlimit} (which loads struct
 * classes) or whose first string concatenation (an invokedynamic call site) happens after the fork hangs on
 * a futex forever. So the class initializer makes each call the bodies use once in the parent, and every
 * wait has a deadline.
 *
 * <p>A body can also cross a JIT threshold in the child and ask for a compilation, which blocks on the compile
 * queue's lock if a parent compiler thread held it at the fork (87 of 90 stalled guarded-fork bodies examined with
 * gdb, docs/DESIGN.md). A raw child of {@code sigsegvAndSigabrtSetTheCoreFlagWhenTheLimitAllows} was once seen
 * asleep on a futex with no safepoint copied, in the 12th of 12 loop runs. So, as the guarded fork does, the
 * parent forks once the JIT has been quiet for a moment and the child first tells its copy of the compile broker
 * to take no new job. That does not cover a native method's wrapper, which a child still generates under
 * {@code CodeCache_lock} (docs/DESIGN.md; gdb on a raw child stuck there, fourteenth session). So the child also
 * reads the VM locks the guarded fork reads, before it stops compiling: one held at the fork makes it say so on a
 * close-on-exec pipe and exit, and the parent kills and reaps it and forks again (as the guarded fork does). The
 * body itself still runs after the facade's raw {@code fork()}.
 *
 * <p>{@link #fork} must stay interpreted (the failsafe configuration excludes it from the JIT): compiled, its
 * child-only branch holds call sites the parent never ran, and the child resolves them before its lock check. On
 * JDK 25 the call to the C library's binding is bound to jnr's generated class, in another class loader, and
 * resolving it took {@code SystemDictionary_lock} (gdb on a stress of ExitWatcherIT's pattern: 2 of 42 fresh JVMs
 * had a raw child stall there). Interpreted, the branch uses this class's constant-pool entries, which the class
 * initializer's warm-up resolved.
 */
public final class RawChild {
    /** A body for the child; it must not allocate much or start threads. */
    @FunctionalInterface
    public interface Body {
        /** Runs in the child. */
        void run() throws Exception;
    }

    private static final JvmLocks VM = JvmLocks.ofThisJvm();
    /**
     * The child reads this field for its start byte's write: {@code Native.libc()}, a call the parent makes all the
     * time, could be the one that crosses a JIT counter's threshold in the child and asks for a compilation.
     */
    private static final LinuxLibC LIBC = Native.libc();
    private static final long SAFEPOINT_WAIT_NANOS = 200_000_000L;
    /** What {@link #startByte} returns for a child stalled by a safepoint copied at its fork, killed and reaped. */
    private static final byte SAFEPOINT_STALL = -1;
    private static final long QUIET_WAIT_NANOS = 200_000_000L;
    private static final int ATTEMPTS = 20;
    private static final int O_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;
    /**
     * The child's two possible start bytes, 'S' and 'L', in native memory: its one write before the check passes an
     * address, so the binding's stub marshals no Java array (jnr copies one through transient native memory, with
     * calls the child would be the first to link).
     */
    private static final Pointer START_BYTES = Memory.allocateDirect(Runtime.getSystemRuntime(), 2, true);
    private static final long STARTED = START_BYTES.address();
    private static final long LOCK_HELD = STARTED + 1;
    /** Where {@code raw-fork-stress.sh} wants a stalled child's state saved ({@link StallDump}), or null. */
    private static final String STALL_DUMP = System.getProperty("forkj.it.stallDump");
    /** Each child's safepoint counter before and after its fork, for the report of one that hangs. */
    private static final Map<Integer, long[]> SAFEPOINTS = new ConcurrentHashMap<>();

    /** RLIMIT_CORE and RLIMIT_NPROC, for the bodies that change them. */
    public static final int RLIMIT_CORE = 4;
    /** See {@link #RLIMIT_CORE}. */
    public static final int RLIMIT_NPROC = 6;

    static {
        START_BYTES.putByte(0, (byte) 'S');
        START_BYTES.putByte(1, (byte) 'L');
        long[] limits = new long[2];
        for (int resource : new int[] {RLIMIT_CORE, RLIMIT_NPROC}) {
            Native.libc().getrlimit(resource, limits);
            Native.libc().setrlimit(resource, limits);
        }
        Native.posix().chdir(System.getProperty("user.dir"));
        Native.posix().getuid();
        // signal 0 fails with EINVAL and kill with signal 0 only checks: the same calls the bodies make, no effect.
        Native.libc().signal(0, 0);
        Native.posix().kill(Native.posix().getpid(), 0);
        String warm = new PosixException("fork()", 11).getMessage();
        assert !warm.isEmpty();
        // The child's part of the start handshake (the lock check, one write), run here until the JIT compiles it
        // and every native method on it has its wrapper, as the guarded fork's warm-up does: run for the first
        // time in a child, it stalled there once in a loop run on JDK 25 (a native wrapper is made under
        // CodeCache_lock, docs/DESIGN.md).
        int[] pipe = new int[2];
        if (Native.libc().pipe2(pipe, O_CLOEXEC) != 0) {
            throw new PosixException("pipe2(O_CLOEXEC)", Native.errno());
        }
        byte[] back = new byte[1];
        long sink = 0;
        JvmLocks held = JvmLocks.heldStandIn();
        for (int i = 0; i < 20_000; i++) {
            sink += VM.firstHeld();
            if ((i & 15) == 0) {
                // Compiled from a profile where no lock was ever held, the check would trap and deoptimize in a child
                // that finds one, and deoptimizing takes a lock the compiler threads use (gdb on a stress).
                sink += held.firstHeld();
            }
            if (i % 5 == 0) {
                sink += LIBC.write(pipe[1], STARTED, 1) + Native.libc().read(pipe[0], back, 1);
            }
        }
        Native.posix().close(pipe[1]);
        Native.posix().close(pipe[0]);
        assert sink != 42;
    }

    private RawChild() {
    }

    /**
     * Reaps {@code pid}, waiting at most {@code deadline}; a child still running then is SIGKILLed, reaped and
     * reported as a test failure, so no test hangs and none leaves a process behind.
     */
    public static WaitStatus reap(int pid, Duration deadline) {
        Posix posix = Posix.get();
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() - end < 0) {
            WaitStatus status = posix.waitpid(pid, WaitOption.WNOHANG);
            if (!(status instanceof WaitStatus.NoChange)) {
                SAFEPOINTS.remove(pid);
                return status;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        String seen = whatItShows(pid);
        SAFEPOINTS.remove(pid);
        posix.kill(pid, Signal.SIGKILL);
        posix.waitpid(pid);
        return fail("child " + pid + " did not end within " + deadline + "; killed and reaped. It showed: " + seen);
    }

    /** The hung child's state, wait channel and system call, and whether its fork may have copied a safepoint. */
    private static String whatItShows(int pid) {
        String syscall;
        try {
            syscall = Files.readString(Path.of("/proc", Integer.toString(pid), "syscall")).trim();
        } catch (IOException unreadable) {
            syscall = "(unreadable: " + unreadable.getMessage() + ")";
        }
        long[] counters = SAFEPOINTS.getOrDefault(pid, new long[] {-1, -1});
        return "state " + Kernel.state(pid).map(c -> Character.toString(c)).orElse("gone") + ", wchan " + Kernel.wchan(pid)
                + ", syscall " + syscall + ", safepoint counter " + counters[0] + " before the fork and " + counters[1]
                + " after it" + (JvmLocks.mayHaveCopiedSafepoint(counters[0], counters[1])
                ? " (the fork may have copied a safepoint under way: a raw fork's known hazard, docs/DESIGN.md)" : "");
    }

    /** {@link #reap(int, Duration)} with 10 seconds. */
    public static WaitStatus reap(int pid) {
        return reap(pid, Duration.ofSeconds(10));
    }

    /** Forks; returns the child's pid in the parent. The child never returns from here. */
    public static int fork(Body body) {
        Posix posix = Posix.get();
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            int[] started = new int[2];
            if (Native.libc().pipe2(started, O_CLOEXEC) != 0) {
                throw new PosixException("pipe2(O_CLOEXEC)", Native.errno());
            }
            int pid;
            byte said;
            try {
                // The child's write, made here first and read back: code the JIT installed since the last fork has
                // its calls linked by this thread, not by a child (on JDK 25 a child linking a call from jnr's
                // generated class took SystemDictionary_lock, held by a compiler thread: gdb, 4 stalls in 4).
                if (LIBC.write(started[1], STARTED, 1) != 1 || Native.libc().read(started[0], new byte[1], 1) != 1) {
                    throw new PosixException("write/read of the start pipe", Native.errno());
                }
                // As Fork.run does: a child forked during a safepoint parks at its barrier for ever.
                QuietCompiler.await(QUIET_WAIT_NANOS);
                long before = VM.awaitNoSafepoint(SAFEPOINT_WAIT_NANOS);
                pid = posix.fork();
                if (pid == 0) {
                    int code = 0;
                    try {
                        // Nothing before the check: any call could be the one that needs a lock held at the fork. The
                        // pipe's two ends are close-on-exec and close when the child ends.
                        boolean held = VM.firstHeld() >= 0;
                        LIBC.write(started[1], held ? LOCK_HELD : STARTED, 1);
                        if (held) {
                            posix._exit(75);
                        }
                        VM.stopCompiling();
                        body.run();
                    } catch (Throwable t) {
                        code = 70;
                    }
                    posix._exit(code);
                }
                long after = VM.safepointCounter();
                SAFEPOINTS.put(pid, new long[] {before, after});
                Native.posix().close(started[1]);
                started[1] = -1;
                said = startByte(pid, started[0], JvmLocks.mayHaveCopiedSafepoint(before, after));
            } finally {
                // Also when the fork itself failed (EAGAIN): a test leaves no fd of its own behind.
                Native.posix().close(started[0]);
                if (started[1] >= 0) {
                    Native.posix().close(started[1]);
                }
            }
            if (said == 'S') {
                return pid;
            }
            if (said == SAFEPOINT_STALL) {
                continue; // killed and reaped already: fork again, as the guarded fork does for this cause
            }
            if (said == 'L') {
                // It only has to end: its way to _exit may need the very lock it found held (the stress saw three
                // children stall there).
                posix.kill(pid, Signal.SIGKILL);
            }
            WaitStatus status = reap(pid);
            if (said != 'L') {
                return fail("raw child " + pid + " ended before its start byte: " + status);
            }
            // it found a VM lock held at the fork and exited: fork again once the holder is done
        }
        return fail("every one of " + ATTEMPTS + " raw children found a JVM lock held, or copied a safepoint, at its fork");
    }

    /** The child's start byte, waiting at most 10 s (a child stalled before it is killed, reaped and failed). */
    private static byte startByte(int pid, int fd, boolean safepointMoved) {
        Pointer pollfds = PollFds.one(fd, PollFds.POLLIN);
        if (Native.libc().poll(pollfds, 1, 10_000) <= 0) {
            if (STALL_DUMP != null) {
                StallDump.save(pid, Path.of(STALL_DUMP));
            }
            if (safepointMoved) {
                // A safepoint began while fork() copied the JVM: the child parks at its barrier for ever (the raw
                // fork's known hazard, docs/DESIGN.md). Its body never ran, so it is replaced, not failed: seen once in
                // ExitWatcherIT (JDK 17, loop run on 0397045, counter 16 before the fork and 18 after it).
                SAFEPOINTS.remove(pid);
                Posix.get().kill(pid, Signal.SIGKILL);
                Posix.get().waitpid(pid);
                return SAFEPOINT_STALL;
            }
            reap(pid, Duration.ZERO);
        }
        byte[] one = new byte[1];
        return Native.libc().read(fd, one, 1) == 1 ? one[0] : 0;
    }
}
