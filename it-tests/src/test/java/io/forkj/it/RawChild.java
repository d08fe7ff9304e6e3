package io.forkj.it;

import io.forkj.Posix;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.WaitOption;
import io.forkj.WaitStatus;
import io.forkj.posix.internal.fork.JvmLocks;
import io.forkj.posix.internal.fork.QuietCompiler;
import io.forkj.posix.internal.libc.Native;

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
 * to take no new job; nothing here checks the held locks and forks again, which is the guarded fork's own job.
 */
public final class RawChild {
    /** A body for the child; it must not allocate much or start threads. */
    @FunctionalInterface
    public interface Body {
        /** Runs in the child. */
        void run() throws Exception;
    }

    private static final JvmLocks VM = JvmLocks.ofThisJvm();
    private static final long SAFEPOINT_WAIT_NANOS = 200_000_000L;
    private static final long QUIET_WAIT_NANOS = 200_000_000L;
    /** Each child's safepoint counter before and after its fork, for the report of one that hangs. */
    private static final Map<Integer, long[]> SAFEPOINTS = new ConcurrentHashMap<>();

    /** RLIMIT_CORE and RLIMIT_NPROC, for the bodies that change them. */
    public static final int RLIMIT_CORE = 4;
    /** See {@link #RLIMIT_CORE}. */
    public static final int RLIMIT_NPROC = 6;

    static {
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
        // As Fork.run does: a child forked during a safepoint parks at its barrier for ever.
        QuietCompiler.await(QUIET_WAIT_NANOS);
        long before = VM.awaitNoSafepoint(SAFEPOINT_WAIT_NANOS);
        int pid = posix.fork();
        if (pid == 0) {
            int code = 0;
            try {
                VM.stopCompiling();
                body.run();
            } catch (Throwable t) {
                code = 70;
            }
            posix._exit(code);
        }
        SAFEPOINTS.put(pid, new long[] {before, VM.safepointCounter()});
        return pid;
    }
}
