package io.forkj.posix;

import io.forkj.posix.internal.libc.PollFds;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.posix.internal.fork.AllocationBudget;
import io.forkj.posix.internal.fork.CommonCleanerLock;
import io.forkj.posix.internal.fork.ForkedChild;
import io.forkj.posix.internal.fork.ForkedContext;
import io.forkj.posix.internal.children.KnownChildren;
import io.forkj.posix.internal.fork.JvmLocks;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.fork.QuietCompiler;
import io.forkj.posix.internal.fork.SharedHeap;
import io.forkj.posix.internal.spawn.Redirects;
import io.forkj.posix.internal.libc.Sigsets;
import io.forkj.posix.internal.fork.StallProbe;
import io.forkj.posix.internal.fork.Starter;
import io.forkj.posix.internal.fork.StartRetries;
import io.forkj.posix.internal.fork.StdioFlush;
import io.forkj.posix.internal.proc.ProcStat;
import io.forkj.posix.internal.proc.StartTimes;
import io.forkj.posix.internal.proc.StatLine;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The guarded way to run Java code in a forked child: Python's {@code os.fork()} with the child branch as a
 * {@link ChildBody}, made safe for a JVM by the rules in forkj's DESIGN.md ("Fork in a JVM").
 *
 * <pre>{@code
 * String greeting = "hello from the child\n";   // built in the parent
 * Child child = Fork.run(ctx -> ctx.out(greeting));
 * WaitStatus status = child.waitFor();           // Exited(pid, 0), or ForkStallException if it stalled
 * }</pre>
 *
 * <p>Build strings in the parent: {@code "a" + x} in a body compiled by javac 9+ is an invokedynamic call
 * site whose first use bootstraps classes, which can block a child forever (measured on JDK 25). forkj's own
 * code is compiled with {@code -XDstringConcat=inline} for that reason.
 *
 * <p>What {@code run} does, in order:
 * <ol>
 *   <li>once per JVM, runs the whole child path in the parent (so no class is loaded and no call site is
 *       bootstrapped for the first time in a child) and then forks one child with an empty body to check it;</li>
 *   <li>flushes {@code System.out} and {@code System.err} (waiting at most 100 ms for their locks);</li>
 *   <li>optionally runs {@code System.gc()}, then records the {@link #allocationBudget() allocation budget};</li>
 *   <li>opens redirect files, and forks. The child resets the chosen signals to {@code SIG_DFL} and unblocks
 *       them, {@code dup2}s the redirects, writes one byte on a close-on-exec pipe to say its body starts, runs
 *       the body and always ends in {@code _exit}: 0 when the body returns, 70 with "class: message" on fd 2
 *       when it throws. No shutdown hook or finalizer runs. Before its start byte the child checks HotSpot's locks
 *       (one held at the fork) and its own copy of eden: with less than 8 MiB free, or half of what a collection
 *       would give on a small heap, its body would soon need a collection nobody can run (another thread of the
 *       parent may have allocated eden full between the parent's budget reading and the fork), so it exits and
 *       the parent brings on a young collection by allocating (at most 500 ms, then {@code System.gc()}), and
 *       forks again;</li>
 *   <li>returns once the child has said its body starts (or has ended). A child that stalls before that, in
 *       the fork itself or its set-up, is killed, reaped and replaced by a new fork: nothing has run in it, so the
 *       caller never sees it ({@link #retriedStarts()} counts them). Up to 5 attempts in all, or 50 when the cause
 *       passes by itself: a JVM lock another thread held at the fork, an eden nearly full, or a safepoint that began while
 *       {@code fork()} copied the JVM (HotSpot's safepoint counter, read before and after the fork, moved). A
 *       child that returns from {@code fork()} into Java during a safepoint parks at the safepoint barrier for
 *       ever, before its first instruction of forkj code. Each fork first waits for a safepoint under way to end,
 *       and {@code gcBeforeFork}'s collection waits for other threads' forks in progress.</li>
 * </ol>
 *
 * <p>The child has only the forking thread: no GC, no JIT, no signal dispatcher. A body that allocates
 * beyond the budget, loads a class or bootstraps a call site for the first time, or a fork that happened while
 * another thread had a safepoint or a JIT lock under way, blocks the child for ever on a futex. Such a child is
 * recognised as stalled from {@code /proc} within tens of milliseconds, not at its deadline: it has one thread
 * and sleeps in {@code futex(2)} on a private futex with no timeout, which nothing can wake (a sleeping child, one
 * blocked in {@code read}, {@code pause} or on a process-shared futex is never taken for one). A stall in the body
 * is then reported at once as {@link ForkStallException} by {@link Child#waitFor()}, {@link Child#poll()} or an
 * {@code ExitWatcher}; any other child still running at its deadline is killed and reported then.
 *
 * <p>Measured on a 2-core VM, JDK 17, default heap, empty body ({@code benchmarks/.../ForkStallRate}, 10,000
 * forks per configuration; README's stall rows): 0 stalls reached the caller in each of idle, 8 threads forking,
 * and a busy allocating thread, with and without {@code gcBeforeFork}; 0.5% to 11% of starts were retried. A stall
 * in the body is not retried: the body may already have had effects. Not survivable: a JVM whose safepoints
 * follow one another without pause (a thread calling {@code System.gc()} in a loop) copies one in most forks
 * and needed 3 to 38 attempts per run here, so a run can exhaust its 50.
 */
public final class Fork {
    private static final Object WARM_LOCK = new Object();
    /** At most this long before each fork for the JIT to go quiet (see {@link QuietCompiler}). */
    private static final long QUIET_WAIT_NANOS = Duration.ofMillis(200).toNanos();
    /** At most this long before each fork for a safepoint under way to end (see {@link JvmLocks#awaitNoSafepoint}). */
    private static final long SAFEPOINT_WAIT_NANOS = Duration.ofMillis(200).toNanos();
    private static volatile boolean warm;
    /** Forks tried for one run: a child that stalls before its body is replaced, at most this many times less one. */
    static final int START_ATTEMPTS = 5;
    /**
     * Forks tried for one run whose children found a JVM lock held at the fork ({@code JvmLocks}): each costs one
     * fork round trip and no probing, and beside a busy JIT one fork in several meets a held lock.
     */
    static final int LOCK_HELD_ATTEMPTS = 50;
    private static final int START_PROBE_MILLIS = 10;
    private static final String LOCK_HELD_EVIDENCE = "the JVM lock ";
    private static final String SHORT_BUDGET_EVIDENCE = "the child found eden nearly full (another thread allocated"
            + " while the fork was prepared): its body would soon have needed a collection, which a forked child"
            + " cannot run; it exited before its body";
    /** How long a retry after {@link StartRetries.Cause#SHORT_BUDGET} brings on a collection before running one. */
    private static final long ROOM_WAIT_NANOS = Duration.ofMillis(500).toNanos();
    /**
     * Forks take it shared while {@code fork()} copies the address space; {@code gcBeforeFork}'s collection takes
     * it exclusive. So forkj's own collections never run while another thread's guarded fork copies the JVM, where
     * the safepoint they need would park the child for ever (8 threads forking with {@code gcBeforeFork}: 427 runs
     * in 10,000 failed after 5 such children before this gate and the safepoint check).
     */
    private static final ReentrantReadWriteLock GC_GATE = new ReentrantReadWriteLock();
    private static final int O_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;
    /**
     * Fault injection for tests (internal, not API): the first N attempts of each run stall before the body, on a
     * private futex nothing wakes, so the recognition and the retry can be tested deterministically.
     */
    static final String STALL_PROPERTY = "forkj.fork.testStartStalls";
    /** Fault injection for tests (internal, not API): the first N attempts of each run find a JVM lock held. */
    static final String LOCK_HELD_PROPERTY = "forkj.fork.testLocksHeld";
    private static final Pointer STALL_FUTEX = Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true);

    private Fork() {
    }

    /** {@link #run(ForkOptions, ChildBody)} with {@link ForkOptions#defaults()}. */
    public static Child run(ChildBody body) {
        return run(ForkOptions.defaults(), body);
    }

    /**
     * Forks a child that runs {@code body} and exits; returns at once in the parent with the child's handle. Called
     * on a virtual thread, the fork is made on forkj's starter thread, a platform thread (one such fork at a time):
     * forked on the virtual thread itself, the body's first park would wait for ever for a scheduler the child
     * does not have.
     *
     * @throws PosixException if {@code fork(2)} fails ({@code EAGAIN}: process limit) or a redirect file cannot
     *                        be opened
     * @throws UnsupportedOperationException if this JVM's Java heap is a shared mapping ({@code -XX:+UseZGC},
     *                                       {@code -XX:AllocateHeapAt}, {@code -XX:+UseSHM}): the child's body would
     *                                       write into this JVM's heap (use {@link Spawn} or a private-heap collector)
     */
    public static Child run(ForkOptions options, ChildBody body) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(body, "body");
        SharedHeap.refuseFork("Fork.run");
        if (Starter.onVirtualThread()) {
            return Starter.call(() -> {
                warmUp();
                return forkNow(options, body);
            });
        }
        warmUp();
        return forkNow(options, body);
    }

    /**
     * How many forked children this JVM killed and replaced because they stalled before their body started (in
     * the fork itself or the child's set-up); {@link #run} did so transparently. For measurements such as
     * {@code benchmarks/.../ForkStallRate}.
     */
    public static long retriedStarts() {
        return StartRetries.total();
    }

    /**
     * How many bytes a forked child can allocate before its allocation would need a garbage collection, which
     * nothing in the child can run (the child then blocks forever, and its deadline ends it).
     *
     * <p>Computed from the memory-pool beans ({@code java.lang.management.MemoryPoolMXBean}): the free space of
     * the young generation's eden pool (committed minus used); under G1 less two heap regions and, on JDKs with
     * {@code GCLockerEdenExpansionPercent} (17), less that share of committed, which G1 reports but collects
     * before using. It changes with every allocation in the parent and is largest right
     * after a collection: {@link ForkOptions#gcBeforeFork(boolean)} empties eden before the fork, and
     * {@code -Xmn} (a larger, fixed young generation) raises the ceiling. Collectors without an eden pool
     * (ZGC, Shenandoah, Epsilon) report 0: forkj promises nothing there.
     */
    public static long allocationBudget() {
        return AllocationBudget.bytes();
    }

    private static Child forkNow(ForkOptions options, ChildBody body) {
        StdioFlush.flush();
        if (options.gcBeforeFork()) {
            GC_GATE.writeLock().lock();
            try {
                System.gc();
            } finally {
                GC_GATE.writeLock().unlock();
            }
        }
        long budget = AllocationBudget.bytes();
        List<Signal> reset = options.signalsToReset();
        int[] signals = new int[reset.size()];
        for (int i = 0; i < signals.length; i++) {
            signals[i] = reset.get(i).number();
        }
        int outFd = -1;
        int errFd = -1;
        try {
            outFd = Redirects.openInParent(options.stdout());
            errFd = Redirects.openInParent(options.stderr());
            int[][] dups = dups(outFd, errFd);
            int stalls = 0;
            int transientStarts = 0;
            for (int attempt = 1; ; attempt++) {
                Attempt result = forkOnce(attempt, options, body, budget, signals, dups);
                if (result.stallEvidence == null) {
                    return result.child;
                }
                StartRetries.record(result.cause);
                boolean passing = result.cause != StartRetries.Cause.STALLED;
                if (passing ? ++transientStarts == LOCK_HELD_ATTEMPTS : ++stalls == START_ATTEMPTS) {
                    throw new ForkStallException(result.child.pid(), options.deadline(), budget, options.gcBeforeFork(),
                            result.afterNanos, false, result.waitChannel, result.stallEvidence + "; " + attempt + " attempts: " + stalls
                            + " stalled with no cause seen in the parent, " + transientStarts
                            + " found a JVM lock held or copied a safepoint");
                }
                if (result.cause == StartRetries.Cause.SHORT_BUDGET) {
                    AllocationBudget.awaitRoom(ROOM_WAIT_NANOS, GC_GATE.writeLock());
                } else if (passing) {
                    // Whoever holds it in the parent releases it within microseconds once it gets a core again, and
                    // a safepoint ends; the next attempt also waits for that (JvmLocks.awaitNoSafepoint).
                    LockSupport.parkNanos(100_000L * transientStarts);
                }
            }
        } finally {
            Redirects.closeInParent(outFd);
            Redirects.closeInParent(errFd);
        }
    }

    /** One fork; a child that stalled before its body started is already killed and reaped when this returns. */
    private static final class Attempt {
        final Child child;
        final String stallEvidence;
        final long afterNanos;
        final String waitChannel;
        /**
         * Why the child stopped before its body, null if it did not. A cause in the parent that passes by itself
         * (a JVM lock held at the fork, a safepoint under way while the address space was copied) gets
         * {@link #LOCK_HELD_ATTEMPTS}, a stall with no cause seen {@link #START_ATTEMPTS}.
         */
        final StartRetries.Cause cause;

        Attempt(Child child, String stallEvidence, long afterNanos, String waitChannel, StartRetries.Cause cause) {
            this.cause = cause;
            this.child = child;
            this.stallEvidence = stallEvidence;
            this.afterNanos = afterNanos;
            this.waitChannel = waitChannel;
        }
    }

    private static Attempt forkOnce(int attempt, ForkOptions options, ChildBody body, long budget, int[] signals, int[][] dups) {
        int[] started = new int[2];
        if (Native.libc().pipe2(started, O_CLOEXEC) != 0) {
            throw new PosixException("pipe2(O_CLOEXEC)", Native.errno());
        }
        try {
            // Made before the fork: the parent's first act after it is to wait on this.
            Pointer startedPoll = PollFds.one(started[0], PollFds.POLLIN);
            boolean injectedStall = attempt <= Integer.getInteger(STALL_PROPERTY, 0);
            // An attempt made to stall checks a lock never held, so a real one held at its fork cannot end it first.
            JvmLocks locks = attempt <= Integer.getInteger(LOCK_HELD_PROPERTY, 0) ? JvmLocks.heldStandIn()
                    : injectedStall ? JvmLocks.freeStandIn() : JvmLocks.ofThisJvm();
            ForkedChild forked = new ForkedChild(new ForkedContext(1, 2), signals, Sigsets.of(signals), dups[0], dups[1],
                    started[1], locks, injectedStall ? STALL_FUTEX : null);
            QuietCompiler.await(QUIET_WAIT_NANOS);
            JvmLocks vm = JvmLocks.ofThisJvm();
            long start;
            long bootBefore;
            long bootAfter;
            int pid;
            int forkErrno;
            long safepointsBefore;
            long safepointsAfter;
            Child child;
            boolean readable;
            KnownChildren.forkStarting();
            try {
                // The clock readings that date the child (Child's identity) stay out of the fork's critical section.
                bootBefore = StartTimes.bootNanos();
                GC_GATE.readLock().lock();
                try {
                    // The child's one thread must own the JDK Cleaner's monitor (see CommonCleanerLock). Taken before
                    // the safepoint check, so that a wait for it cannot let a safepoint start between check and fork.
                    synchronized (CommonCleanerLock.MONITOR) {
                        forked.rehearse(); // the child's way to its lock check, run here last (afterFork)
                        safepointsBefore = vm.awaitNoSafepoint(SAFEPOINT_WAIT_NANOS);
                        start = System.nanoTime();
                        pid = Native.posix().fork();
                        forkErrno = pid < 0 ? Native.errno() : 0; // before afterFork's calls set errno
                        forked.afterFork(pid, body); // returns in the parent only
                        safepointsAfter = vm.safepointCounter();
                    }
                } finally {
                    GC_GATE.readLock().unlock();
                }
                bootAfter = StartTimes.bootNanos();
                if (pid < 0) {
                    throw new PosixException("fork()", forkErrno);
                }
                Native.posix().close(started[1]);
                started[1] = -1;
                // Sleep at once, as C's parent does in waitpid, and make the handle after: the child most often
                // starts on this thread's CPU and waited for it, and every page this thread writes meanwhile is
                // copied first because the child shares it (docs/DESIGN.md, "The parent sleeps first").
                readable = Native.libc().poll(startedPoll, 1, START_PROBE_MILLIS) > 0;
                child = new Child(pid, start, bootBefore, bootAfter, options.deadline(), budget, options.gcBeforeFork());
            } finally {
                KnownChildren.forkRecorded();
            }
            String stalled = readable ? startByte(started[0], new byte[1], locks)
                    : awaitStart(child, startedPoll, started[0], start + options.deadline().toNanos(), locks);
            String wchan = "";
            StartRetries.Cause cause = null;
            if (stalled != null) {
                wchan = child.discardStalledStart();
                cause = stalled.startsWith(LOCK_HELD_EVIDENCE) ? StartRetries.Cause.LOCK_HELD
                        : stalled.equals(SHORT_BUDGET_EVIDENCE) ? StartRetries.Cause.SHORT_BUDGET : StartRetries.Cause.STALLED;
                if (cause == StartRetries.Cause.STALLED && JvmLocks.mayHaveCopiedSafepoint(safepointsBefore, safepointsAfter)) {
                    cause = StartRetries.Cause.SAFEPOINT;
                    stalled = "a safepoint was under way while the JVM was forking (safepoint counter " + safepointsBefore
                            + " before the fork, " + safepointsAfter + " after it), and the child showed: " + stalled;
                }
            }
            return new Attempt(child, stalled, System.nanoTime() - start, wchan, cause);
        } finally {
            Native.posix().close(started[0]);
            if (started[1] >= 0) {
                Native.posix().close(started[1]);
            }
        }
    }

    /**
     * After the caller's first wait ({@link #START_PROBE_MILLIS}) found the started pipe empty: asks /proc whether
     * the child is provably stalled, and waits again, until the child says its body starts (one byte on the pipe),
     * or it ended, or its deadline came (its handle deals with it then).
     *
     * @return the stall evidence if it stalled before its body, else null
     */
    private static String awaitStart(Child child, Pointer pollfd, int startedFd, long deadlineNanos, JvmLocks locks) {
        byte[] one = new byte[1];
        while (System.nanoTime() - deadlineNanos < 0) {
            Optional<StatLine> stat = ProcStat.read(child.pid());
            if (stat.isEmpty() || stat.get().state() == 'Z') {
                // It may have written its byte (a held lock) and exited since the poll: look once more, without
                // waiting, or its lock-held exit status would reach the caller as the body's.
                return Native.libc().poll(pollfd, 1, 0) > 0 ? startByte(startedFd, one, locks) : null;
            }
            Optional<String> stalled = StallProbe.stalled(child.pid());
            if (stalled.isPresent()) {
                return stalled.get();
            }
            if (Native.libc().poll(pollfd, 1, START_PROBE_MILLIS) > 0) {
                return startByte(startedFd, one, locks);
            }
        }
        return null;
    }

    /**
     * Reads what made the started pipe readable. One byte: the body starts, or a JVM lock was held (the evidence
     * is returned). 0 (EOF): the child ended before its body (every copy of the write end closed). Neither is a
     * stall; other concurrently forked children may hold the write end, so EOF can come late, which the caller's
     * probes cover.
     */
    private static String startByte(int startedFd, byte[] one, JvmLocks locks) {
        if (Native.libc().read(startedFd, one, 1) == 1 && (one[0] & 0xff) >= ForkedChild.LOCK_HELD_BASE) {
            int lock = (one[0] & 0xff) - ForkedChild.LOCK_HELD_BASE;
            if (lock == ForkedChild.SHORT_BUDGET) {
                return SHORT_BUDGET_EVIDENCE;
            }
            return LOCK_HELD_EVIDENCE + locks.name(lock) + " was held by another thread at the fork, "
                    + "so the child would have blocked on it for ever; it exited before its body";
        }
        return null;
    }

    private static int[][] dups(int outFd, int errFd) {
        int n = (outFd >= 0 ? 1 : 0) + (errFd >= 0 ? 1 : 0);
        int[] from = new int[n];
        int[] to = new int[n];
        int i = 0;
        if (outFd >= 0) {
            from[i] = outFd;
            to[i++] = 1;
        }
        if (errFd >= 0) {
            from[i] = errFd;
            to[i] = 2;
        }
        return new int[][] {from, to};
    }

    /**
     * Once per JVM: the child path in the parent, then one real child with an empty body and output to
     * {@code /dev/null}, which also runs the parent's side (fork, pidfd, /proc, waitpid) once. A stall of that
     * child is possible (a safepoint at fork) and harmless; a child that fails to exit 0 means the child path
     * is broken here, and is reported.
     */
    private static void warmUp() {
        if (warm) {
            return;
        }
        synchronized (WARM_LOCK) {
            if (warm) {
                return;
            }
            ForkedChild.warmUp();
            ForkOptions quiet = ForkOptions.defaults().deadline(Duration.ofSeconds(10))
                    .stdout(Redirect.DISCARD).stderr(Redirect.DISCARD);
            Child probe = forkNow(quiet, ctx -> ctx.out("warm-up\n"));
            try {
                int code = probe.waitFor().toExitCode();
                if (code != 0) {
                    throw new IllegalStateException("forkj warm-up child " + probe.pid() + " exited with " + code
                            + " instead of 0: the guarded child path does not work in this JVM");
                }
            } catch (ForkStallException rare) {
                // Killed and reaped; the next fork is guarded by its own deadline.
            } catch (PosixException reapedByKernel) {
                // SIGCHLD is ignored (SIG_IGN or SA_NOCLDWAIT): the kernel reaped the probe, waitpid says ECHILD.
                if (reapedByKernel.errno() != io.forkj.Errno.ECHILD.number()) {
                    throw reapedByKernel;
                }
            } catch (InterruptedException e) {
                probe.kill(Signal.SIGKILL);
                try {
                    probe.waitFor();
                } catch (InterruptedException again) {
                    // The deadline still bounds the probe; it is killed already.
                }
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during forkj's warm-up fork", e);
            }
            warm = true;
        }
    }
}
