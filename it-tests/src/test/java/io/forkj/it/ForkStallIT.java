package io.forkj.it;

import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.ForkStallException;
import io.forkj.posix.internal.fork.AllocationBudget;
import io.forkj.posix.internal.fork.JvmLocks;
import io.forkj.posix.internal.fork.StartRetries;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.signals.ChildSignals;
import io.forkj.posix.ExitWatcher;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 11, item 4: a stalled forked child is recognised from /proc long before its deadline (here 120 s, which
 * no test waits for), a stall before the body is retried transparently, and a child that merely sleeps or waits
 * on something that can still wake it is never taken for a stalled one.
 */
class ForkStallIT {
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final ForkOptions OPTIONS = ForkOptions.defaults().deadline(LONG);
    private static final String STALLS = "forkj.fork.testStartStalls";
    private static final String LOCKS_HELD = "forkj.fork.testLocksHeld";
    static volatile Object sink;

    /** Replaced children that stalled: with no cause seen, or a safepoint moved across the fork. */
    private static long stalledRetries() {
        return StartRetries.count(StartRetries.Cause.STALLED) + StartRetries.count(StartRetries.Cause.SAFEPOINT);
    }

    /** Runs {@code call} with fault injection {@code property} set to {@code attempts}, and clears it after. */
    private static <T> T injected(String property, int attempts, java.util.concurrent.Callable<T> call) throws Exception {
        System.setProperty(property, Integer.toString(attempts));
        try {
            return call.call();
        } finally {
            System.clearProperty(property);
        }
    }

    /** A GC needed in the child: it waits on a private condition variable (op 0x189) that nothing can signal. */
    @Test
    void aBodyThatNeedsAGcIsReportedAtOnceWithWhatWasSeen() {
        long budget = Fork.allocationBudget();
        int arrays = (int) Math.min(Integer.MAX_VALUE, 4 * (budget / 65_536) + 1_000);
        long t0 = System.nanoTime();
        Child child = Fork.run(OPTIONS, ctx -> {
            for (int i = 0; i < arrays; i++) {
                sink = new byte[65_536];
            }
        });
        assertThatThrownBy(child::waitFor).isInstanceOfSatisfying(ForkStallException.class, e -> {
            assertThat(e.recognisedEarly()).as(e.getMessage()).isTrue();
            assertThat(e.evidence()).contains("state S, 1 thread, futex(").contains("FUTEX_PRIVATE_FLAG").contains("no timeout");
            assertThat(e.getMessage()).contains("stalled in its body").contains("before its deadline of " + LONG);
            assertThat(e.pid()).isEqualTo(child.pid());
        });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("recognised before the deadline").isLessThan(LONG);
        assertThat(Kernel.state(child.pid())).as("killed and reaped").isEmpty();
        assertThatThrownBy(child::poll).as("and on every later look").isInstanceOf(ForkStallException.class);
    }

    /** Nobody waits on the handle: the ExitWatcher's look at it recognises the stall and fails the future. */
    @Test
    void aWatchedStalledChildFailsItsFutureWithoutAnyoneWaiting() throws Exception {
        long budget = Fork.allocationBudget();
        int arrays = (int) Math.min(Integer.MAX_VALUE, 4 * (budget / 65_536) + 1_000);
        Child child = Fork.run(OPTIONS, ctx -> {
            for (int i = 0; i < arrays; i++) {
                sink = new byte[65_536];
            }
        });
        CompletableFuture<WaitStatus> watched = ExitWatcher.shared().watch(child);
        assertThatThrownBy(() -> watched.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(ForkStallException.class, e -> assertThat(e.recognisedEarly()).isTrue());
        assertThat(Kernel.state(child.pid())).isEmpty();
    }

    @Test
    void aStallBeforeTheBodyIsRetriedAndTheCallerNeverSeesIt() throws Exception {
        Fork.run(OPTIONS, ctx -> { }).waitFor(); // the JVM's one warm-up fork first, so it does not stall too
        long before = Fork.retriedStarts();
        long stalledBefore = stalledRetries();
        Child child = injected(STALLS, 2, () -> Fork.run(OPTIONS, ctx -> ctx.exit(5)));
        assertThat(child.waitFor()).isEqualTo(new WaitStatus.Exited(child.pid(), 5));
        // At least: a real VM lock held at one of the forks adds its own retry (JvmLocks).
        assertThat(Fork.retriedStarts() - before).as("two stalled attempts replaced").isGreaterThanOrEqualTo(2);
        assertThat(stalledRetries() - stalledBefore).as("counted as stalls (a safepoint may be their cause)")
                .isGreaterThanOrEqualTo(2);
        assertThat(Kernel.children(Kernel.self())).as("the stalled attempts were killed and reaped").isEmpty();
    }

    @Test
    void aStartThatStallsEveryTimeIsReportedAndLeavesNothing() throws Exception {
        injected(STALLS, 100, () -> assertThatThrownBy(() -> Fork.run(OPTIONS, ctx -> { }))
                .isInstanceOfSatisfying(ForkStallException.class, e -> {
                    assertThat(e.recognisedEarly()).isTrue();
                    assertThat(e.getMessage()).contains("stalled before its body started (every attempt)").contains("5 stalled with no cause seen in the parent");
                    assertThat(e.evidence()).contains("FUTEX_WAIT|FUTEX_PRIVATE_FLAG, no timeout");
                }));
        assertThat(Kernel.children(Kernel.self())).isEmpty();
    }

    /**
     * A child that finds one of HotSpot's VM locks held at the fork (here the test stand-in, always held) gives up
     * before its body and is replaced; the caller sees one child that ran its body once.
     */
    @Test
    void aJvmLockHeldAtTheForkIsRetriedBeforeTheBody() throws Exception {
        Fork.run(OPTIONS, ctx -> { }).waitFor();
        long before = StartRetries.count(StartRetries.Cause.LOCK_HELD);
        Child child = injected(LOCKS_HELD, 3, () -> Fork.run(OPTIONS, ctx -> ctx.exit(6)));
        assertThat(child.waitFor()).isEqualTo(new WaitStatus.Exited(child.pid(), 6));
        assertThat(StartRetries.count(StartRetries.Cause.LOCK_HELD) - before).as("three attempts found the lock held")
                .isGreaterThanOrEqualTo(3);
        assertThat(Kernel.children(Kernel.self())).as("the attempts that gave up were reaped").isEmpty();
    }

    /** With SIGCHLD ignored the kernel reaps the attempts that gave up as they exit: nothing to kill or reap then. */
    @Test
    void aJvmLockHeldAtTheForkIsRetriedWithSigchldIgnored() throws Exception {
        Fork.run(OPTIONS, ctx -> { }).waitFor();
        long before = Fork.retriedStarts();
        ChildSignals.ignore();
        try {
            int pid = injected(LOCKS_HELD, 4, () -> Fork.run(OPTIONS, ctx -> ctx.exit(0))).pid();
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.state(pid).isEmpty()))
                    .as("the child ran and the kernel reaped it").isTrue();
        } finally {
            ChildSignals.restore();
        }
        assertThat(Fork.retriedStarts() - before).isGreaterThanOrEqualTo(4);
        assertThat(Kernel.children(Kernel.self())).isEmpty();
    }

    @Test
    void aJvmLockHeldAtEveryAttemptIsReportedByName() throws Exception {
        injected(LOCKS_HELD, 1000, () -> assertThatThrownBy(() -> Fork.run(OPTIONS, ctx -> { }))
                .isInstanceOfSatisfying(ForkStallException.class, e ->
                        assertThat(e.getMessage()).contains("the JVM lock TestStandIn_lock was held by another thread at the fork")
                                .contains("50 found a JVM lock held or copied a safepoint")));
        assertThat(Kernel.children(Kernel.self())).isEmpty();
    }

    /** G1 sizes eden up as a program allocates: garbage until a collection leaves 128 MiB of budget. */
    private static void growEden() {
        long growing = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (Fork.allocationBudget() < (128 << 20) && System.nanoTime() - growing < 0) {
            sink = new byte[65_536];
        }
        assumeTrue(Fork.allocationBudget() >= (128 << 20), "an eden of 128 MiB");
    }

    /**
     * The budget is what can be allocated before a collection: read just before G1 collects, it is about nothing.
     * JDK 17's G1 reports 5% more eden than it fills (GCLockerEdenExpansionPercent); read as committed minus used,
     * the budget said 40 to 72 MiB at that moment, and a FORK start that trusted it skipped its collection and
     * stalled in the child.
     */
    @Test
    void theBudgetIsAboutNothingWhenACollectionComes() {
        growEden();
        List<Long> lastReadings = new ArrayList<>();
        for (int collection = 0; collection < 5; collection++) {
            long collections = collections();
            long last = Fork.allocationBudget();
            while (collections() == collections) {
                last = Fork.allocationBudget();
                for (int i = 0; i < 4; i++) {
                    sink = new byte[65_536];
                }
            }
            lastReadings.add(last);
        }
        assertThat(lastReadings).as("the last budget read before each of 5 collections")
                .allSatisfy(budget -> assertThat(budget).isLessThan(AllocationBudget.START_BUDGET));
    }

    private static long collections() {
        long sum = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += collector.getCollectionCount();
        }
        return sum;
    }

    /**
     * Eden nearly full at the fork (here this thread filled it; in life another thread allocates while the fork is
     * prepared, after the parent read its budget): the child says so before its body, the parent forks again after
     * a collection, and a body that needs more than was left runs to its end instead of stalling in it.
     */
    @Test
    void aChildWhoseEdenIsNearlyFullStartsAgainAfterACollection() throws Exception {
        // the first fork of a JVM warms its child path up, allocating: done before eden is filled
        assertThat(Fork.run(OPTIONS, ctx -> { }).waitFor()).isInstanceOf(WaitStatus.Exited.class);
        growEden();
        long region = Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("G1HeapRegionSize").getValue());
        // more than the ~3 regions a full eden leaves, a fraction of what a young collection gives
        int arrays = (int) (8 * region / 65_536);
        long before = StartRetries.count(StartRetries.Cause.SHORT_BUDGET);
        // the budget falls region by region to ~0 before G1 collects: it passes below the child's threshold
        long filling = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (Fork.allocationBudget() >= AllocationBudget.START_BUDGET && System.nanoTime() - filling < 0) {
            sink = new byte[65_536];
        }
        assertThat(Fork.allocationBudget()).as("eden filled to below the budget a child starts with")
                .isLessThan(AllocationBudget.START_BUDGET);
        Child child = Fork.run(OPTIONS, ctx -> {
            for (int i = 0; i < arrays; i++) {
                sink = new byte[65_536];
            }
        });
        assertThat(child.waitFor()).isEqualTo(new WaitStatus.Exited(child.pid(), 0));
        assertThat(StartRetries.count(StartRetries.Cause.SHORT_BUDGET) - before)
                .as("the child forked into a full eden exited before its body").isPositive();
    }

    @Test
    void theVmLocksOfThisJdkAreFound() {
        assumeTrue(JvmLocks.symbolsAvailable(), "libjvm.so of " + System.getProperty("java.home") + " has no .symtab");
        JvmLocks locks = JvmLocks.ofThisJvm();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < locks.count(); i++) {
            names.add(locks.name(i));
        }
        // (JDK 25 has no MethodData_lock or JNIHandleBlockFreeList_lock any more; these four are in 17 and 25)
        assertThat(names).contains("MethodCompileQueue_lock", "SystemDictionary_lock", "Heap_lock", "Metaspace_lock",
                "metaspace lock of the boot class loader", "metaspace lock of the application class loader");
        if (java.lang.Runtime.version().feature() <= 23) {
            assertThat(names).contains("ThreadCritical (tc_mutex)"); // JDK 24 removed ThreadCritical
        } else {
            assertThat(names).contains("ChunkPool (GlobalChunkPoolMutex)"); // and gave arena chunks this lock
        }
    }

    /**
     * The safepoint counter the parent reads around each fork is found in this JDK's libjvm.so, and a collection
     * (a safepoint) moves it on by an even number: begun and ended.
     */
    @Test
    void theSafepointCounterOfThisJdkIsFoundAndMovesWithEachCollection() {
        assumeTrue(JvmLocks.symbolsAvailable(), "libjvm.so of " + System.getProperty("java.home") + " has no .symtab");
        JvmLocks vm = JvmLocks.ofThisJvm();
        long before = vm.awaitNoSafepoint(TimeUnit.SECONDS.toNanos(5));
        assertThat(before).isNotNegative().isEven();
        System.gc();
        long after = vm.awaitNoSafepoint(TimeUnit.SECONDS.toNanos(5));
        assertThat(after).isEven().isGreaterThanOrEqualTo(before + 2);
    }

    /**
     * Eight threads forking with gcBeforeFork: each one's collection is a safepoint, and a child forked while one
     * was under way parks at the safepoint barrier for ever before its body. Such a start is retried until the
     * safepoint has passed, and forkj's own collections wait for forks in progress, so no run reaches its caller
     * as a stall (before: 427 in 10,000 did, after 5 such children each).
     */
    @Test
    void eightThreadsForkingWithGcBeforeForkNeverSeeAStall() throws Exception {
        ForkOptions gc = OPTIONS.gcBeforeFork(true);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<CompletableFuture<List<WaitStatus>>> threads = new ArrayList<>();
        try {
            forkFromEach(gc, pool, threads);
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(5, TimeUnit.MINUTES)).isTrue();
        }
        for (CompletableFuture<List<WaitStatus>> thread : threads) {
            assertThat(thread.get()).hasSize(15).allSatisfy(status ->
                    assertThat(status).isInstanceOf(WaitStatus.Exited.class).extracting(WaitStatus::toExitCode).isEqualTo(0));
        }
        assertThat(Kernel.children(Kernel.self())).isEmpty();
    }

    private static void forkFromEach(ForkOptions gc, ExecutorService pool,
                                     List<CompletableFuture<List<WaitStatus>>> threads) {
        for (int t = 0; t < 8; t++) {
            threads.add(CompletableFuture.supplyAsync(() -> {
                List<WaitStatus> statuses = new ArrayList<>();
                for (int i = 0; i < 15; i++) {
                    Child child = Fork.run(gc, ctx -> { });
                    try {
                        statuses.add(child.waitFor());
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return statuses;
            }, pool));
        }
    }

    /**
     * A forked child stops its copy of the JIT before its body ({@code CompileBroker::_should_compile_new_jobs}
     * set to "shutdown"): a method crossing a compile threshold in the child then stays interpreted instead of
     * taking the compile queue's lock a parent compiler thread may hold. The parent's JIT goes on. Read through
     * /proc/PID/mem, the child's copy and the parent's.
     */
    @Test
    void aForkedChildTakesNoNewJitJobsWhileItsParentStillDoes() throws Exception {
        assumeTrue(JvmLocks.symbolsAvailable(), "libjvm.so of " + System.getProperty("java.home") + " has no .symtab");
        long flag = JvmLocks.ofThisJvm().compileJobsFlagAddress();
        assertThat(flag).as("CompileBroker::_should_compile_new_jobs found in libjvm.so").isNotZero();
        Child child = Fork.run(OPTIONS, ctx -> {
            long sum = 0;
            for (int i = 0; i < 200_000; i++) {
                sum += onlyEverRunInAChild(i); // crosses every compile threshold, in the child only
            }
            Native.libc().pause();
            ctx.exit(sum == 42 ? 1 : 0);
        });
        try {
            assertThat(Kernel.await(Duration.ofSeconds(30), () -> Kernel.wchan(child.pid()).matches(".*(pause|poll).*")))
                    .as("the child ran its loop and pauses (wchan %s)", Kernel.wchan(child.pid())).isTrue();
            assertThat(intAt(child.pid(), flag)).as("the child's flag: shutdown_compilation").isEqualTo(2);
            assertThat(intAt(Kernel.self(), flag)).as("the parent's flag: run_compilation").isEqualTo(1);
        } finally {
            child.kill(Signal.SIGKILL);
        }
        assertThat(child.waitFor()).isEqualTo(new WaitStatus.Signaled(child.pid(), Signal.SIGKILL, false));
    }

    private static long onlyEverRunInAChild(int i) {
        return (i * 31L) ^ (i >>> 3);
    }

    /** A native int of process {@code pid} at {@code address}, read through /proc/PID/mem. */
    private static int intAt(int pid, long address) throws java.io.IOException {
        try (java.io.RandomAccessFile mem = new java.io.RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            byte[] four = new byte[4];
            mem.seek(address);
            mem.readFully(four);
            return java.nio.ByteBuffer.wrap(four).order(java.nio.ByteOrder.nativeOrder()).getInt();
        }
    }

    /** Thread.sleep waits on a private futex too, but with a timeout (op 0x89): not a stall. */
    @Test
    void aSleepingBodyIsNotAStall() throws Exception {
        Child child = Fork.run(OPTIONS, ctx -> {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                ctx.exit(3);
            }
        });
        assertThat(child.waitFor()).isEqualTo(new WaitStatus.Exited(child.pid(), 0));
    }

    /** pause(2), a read on an empty pipe, a wait on a futex without FUTEX_PRIVATE_FLAG: each can still be woken. */
    @Test
    void aBodyBlockedOnSomethingThatCanWakeItIsNotAStall() throws Exception {
        Child paused = Fork.run(OPTIONS, ctx -> Native.libc().pause());
        assertNotTakenForAStall(paused, "pause");
        paused.kill(Signal.SIGTERM); // reset to SIG_DFL in the child by default
        assertThat(paused.waitFor()).isEqualTo(new WaitStatus.Signaled(paused.pid(), Signal.SIGTERM, false));

        int[] pipe = new int[2];
        assertThat(Native.libc().pipe2(pipe, 0x80000)).isZero();
        byte[] one = new byte[1];
        try {
            Child reader = Fork.run(OPTIONS, ctx -> ctx.exit((int) Native.libc().read(pipe[0], one, 1)));
            assertNotTakenForAStall(reader, "anon_pipe_read");
            assertThat(Native.libc().write(pipe[1], new byte[] {7}, 1)).isEqualTo(1);
            assertThat(reader.waitFor()).isEqualTo(new WaitStatus.Exited(reader.pid(), 1));
        } finally {
            Native.posix().close(pipe[0]);
            Native.posix().close(pipe[1]);
        }

        Pointer word = Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true);
        long address = word.address();
        Child futex = Fork.run(OPTIONS, ctx -> Native.libc().syscall(LinuxLibC.Sys.FUTEX, address, 0 /* FUTEX_WAIT, shared */, 0, 0));
        assertNotTakenForAStall(futex, "futex");
        futex.kill(Signal.SIGKILL);
        assertThat(futex.waitFor()).isEqualTo(new WaitStatus.Signaled(futex.pid(), Signal.SIGKILL, false));
    }

    /** Once the child is seen blocked in its call, two seconds of waits (a hundred probes) see no stall. */
    private static void assertNotTakenForAStall(Child child, String wchan) throws Exception {
        assertThat(Kernel.await(Duration.ofSeconds(30), () -> Kernel.wchan(child.pid()).contains(wchan)))
                .as("child %d blocked in %s (wchan %s)", child.pid(), wchan, Kernel.wchan(child.pid())).isTrue();
        Optional<WaitStatus> status = child.waitFor(Duration.ofSeconds(2));
        assertThat(status).as("still blocked, not killed as stalled").isEmpty();
        assertThat(child.poll()).isEmpty();
    }
}
