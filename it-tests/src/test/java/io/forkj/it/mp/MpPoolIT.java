package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.multiprocessing.ImapIterator;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.Pool;
import io.forkj.multiprocessing.ProcessPoolExecutor;
import io.forkj.multiprocessing.ResultEncodingException;
import io.forkj.multiprocessing.SerializableCallable;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.WorkerDiedException;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pool and ProcessPoolExecutor with real worker processes: every method, dead workers, terminate, leaks. */
@Timeout(300)
class MpPoolIT {
    private static final Duration LONG = Duration.ofSeconds(120);

    @AfterAll
    static void stopStandby() {
        Multiprocessing.shutdownStandby();
    }

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    /**
     * A task that records its worker's pid in {@code file} and then sleeps until killed.
     *
     * <p>A plain class, not a lambda or a record, and its body run once here first: a FORK worker that reads a
     * lambda or a record links an invokedynamic call site, and every new call site registers with the JDK's
     * common {@code Cleaner} under a monitor a parent thread may hold at the fork (docs/DESIGN.md, "FORK pool tasks
     * and the Cleaner monitor"). That made this test fail 1 run in ~25 (the worker waited for ever before writing
     * its pid); a guarded fork now holds that monitor across the fork, which
     * {@link #lambdaTasksRunInForkWorkersForkedWhileAParentThreadHoldsTheCleanerMonitor} tests. This test is about a
     * worker killed mid-task, so its task stays clear of the hazard either way. The pid comes from getpid(2), the
     * file is written with open/write/close: {@code ProcessHandle.current()} caches the parent's pid, and JDK file
     * I/O needs that monitor too.
     */
    static final class PidThenSleep implements SerializableCallable<String> {
        private static final long serialVersionUID = 1L;
        private static final int O_WRONLY = 1;
        private final String path;

        PidThenSleep(String path) {
            this.path = path;
        }

        static void writePid(String path) {
            jnr.posix.POSIX posix = Native.posix();
            byte[] pid = Integer.toString(posix.getpid()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            int fd = posix.open(path, O_WRONLY, 0);
            if (fd < 0 || posix.write(fd, pid, pid.length) != pid.length || posix.close(fd) != 0) {
                throw new IllegalStateException("writing " + path + ": errno " + posix.errno());
            }
        }

        @Override
        public String call() throws Exception {
            writePid(path);
            Thread.sleep(600_000);
            return "not reached";
        }
    }

    private static SerializableCallable<String> sleeper(Path file) throws java.io.IOException {
        Path warm = Files.createTempFile("forkj-pool-it", ".warm");
        try {
            PidThenSleep.writePid(warm.toString());
            assertThat(Files.readString(warm)).isEqualTo(Integer.toString(Kernel.self()));
        } finally {
            Files.delete(warm);
        }
        return new PidThenSleep(file.toString());
    }

    private static int awaitPid(Path file) {
        assertThat(Kernel.await(LONG, () -> {
            try {
                return Files.exists(file) && !Files.readString(file).isEmpty();
            } catch (java.io.IOException e) {
                return false;
            }
        })).as("the task wrote its worker's pid").isTrue();
        try {
            return Integer.parseInt(Files.readString(file).trim());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Standby JVMs waiting for work are children too, so tests check the pool's own workers are gone. */
    private static void assertGone(List<Integer> pids) {
        for (int pid : pids) {
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.state(pid).isEmpty()))
                    .as("worker %d is gone", pid).isTrue();
        }
    }

    /**
     * A FORK pool closed from another thread. Each worker holds its own two pipes and no other: fork copies every fd, and two workers each holding the
     * other's task write end never saw end of file, so {@code close()} from another thread hung every time.
     */
    @Test
    void aForkPoolMapsAndClosesFromAnotherThread() throws Exception {
        List<Integer> workers;
        Set<String> before = pipesBeyondStdio(Kernel.self());
        Pool pool = new Pool(2, null, 0, StartMethod.FORK);
        try {
            assertThat(pool.map((Integer x) -> x * x, range(40))).isEqualTo(
                    range(40).stream().map(x -> x * x).collect(Collectors.toList()));
            List<List<Integer>> seen = new ArrayList<>();
            List<Set<String>> pipes = new ArrayList<>();
            // A worker found exiting between the look at the list and the look at its fds (its /proc/PID/fd
            // refused, run 2 of a loop pair on JDK 25) is replaced by the pool: look again at the new pair.
            assertThat(Kernel.await(Duration.ofSeconds(30), () -> {
                List<Integer> now = twoLiveWorkers(pool, Duration.ofSeconds(30));
                seen.add(now);
                pipes.clear();
                try {
                    for (int worker : now) {
                        pipes.add(pipesBeyondStdio(worker));
                    }
                    return true;
                } catch (UncheckedIOException refused) {
                    if (now.stream().anyMatch(Kernel::exiting)) {
                        return false;
                    }
                    throw refused;
                }
            })).as("the fds of two live workers, looked at in %s", seen).isTrue();
            workers = seen.get(seen.size() - 1);
            Set<String> first = pipes.get(0);
            Set<String> second = pipes.get(1);
            first.removeAll(before);
            second.removeAll(before);
            // (its task pipe, its result pipe, and the write end of its own guarded fork's start pipe)
            assertThat(first).as("worker %d's pipes", workers.get(0)).isNotEmpty().doesNotContainAnyElementsOf(second);
            assertThat(second).as("worker %d's pipes", workers.get(1)).isNotEmpty();
        } finally {
            Thread closer = new Thread(pool::close, "closer");
            closer.start();
            closer.join(Duration.ofSeconds(30).toMillis());
            if (closer.isAlive()) {
                pool.terminate();
            }
            assertThat(closer.isAlive()).as("close() from another thread still running after 30 s").isFalse();
        }
        assertGone(workers);
    }

    /**
     * Waits until the pool lists two workers that are both live children of this JVM, and returns them. A worker
     * that ended (a FORK worker killed for a stall, which the pool replaces and whose chunk it runs again) stays
     * listed until the pool has seen its end, so one look at the list may catch it already reaped: run 74 of the
     * suite loop saw {@code [13780, 13786]} with 13780 gone, after a map that returned every result.
     */
    private static List<Integer> twoLiveWorkers(Pool pool, Duration deadline) {
        List<List<Integer>> last = new ArrayList<>(List.of(List.of()));
        assertThat(Kernel.await(deadline, () -> {
            List<Integer> now = pool.workerPids();
            last.set(0, now);
            return now.size() == 2 && now.stream().allMatch(pid -> Kernel.ppid(pid).orElse(-1) == Kernel.self()
                    && Kernel.state(pid).filter(state -> state != 'Z').isPresent());
        })).as("two workers, each a live child of this JVM: %s", last).isTrue();
        return last.get(0);
    }

    /** The distinct pipes (pipe:[inode]) process {@code pid} has open on fds above 2. */
    private static Set<String> pipesBeyondStdio(int pid) {
        Set<String> pipes = new TreeSet<>();
        for (String line : Kernel.openFds(pid)) {
            String[] fdAndTarget = line.split(" -> ");
            if (Integer.parseInt(fdAndTarget[0]) > 2 && fdAndTarget[1].startsWith("pipe:")) {
                pipes.add(fdAndTarget[1]);
            }
        }
        return pipes;
    }

    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void everyMapFlavourGivesItsResults(StartMethod method) throws Exception {
        int fds = Kernel.ownFds().size();
        List<Integer> workers;
        try (Pool pool = new Pool(2, null, 0, method)) {
            assertThat(pool.map((Integer x) -> x * x, range(200))).isEqualTo(
                    range(200).stream().map(x -> x * x).collect(Collectors.toList()));
            assertThat(pool.map((Integer x) -> x + 1, range(10), 3)).isEqualTo(range(11).subList(1, 11));
            List<Integer> imap = new ArrayList<>();
            pool.imap((Integer x) -> -x, range(50)).forEachRemaining(imap::add);
            assertThat(imap).isEqualTo(range(50).stream().map(x -> -x).collect(Collectors.toList()));
            List<Integer> unordered = new ArrayList<>();
            pool.imapUnordered((Integer x) -> x, range(50), 4).forEachRemaining(unordered::add);
            assertThat(unordered).containsExactlyInAnyOrderElementsOf(range(50));
            assertThat(pool.starmap((Integer a, Integer b) -> a + b, List.of(Map.entry(1, 2), Map.entry(3, 4))))
                    .containsExactly(3, 7);
            // ProcessHandle.current() caches the pid at JVM start, so a FORK child would report its parent's
            int where = pool.apply(() -> Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/self")).toString()));
            assertThat(where).isNotEqualTo(Kernel.self()).isIn(pool.workerPids());
            // A STANDBY pool's second worker may still be waiting for a standby JVM when the first did all the work.
            workers = twoLiveWorkers(pool, Duration.ofSeconds(60));
        }
        assertGone(workers);
        if (method != StartMethod.STANDBY) {
            // (the standby pool keeps fds for the idle JVMs it starts to replace the ones it handed out)
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.ownFds().size() <= fds))
                    .as("no fd left: %s", Kernel.ownFds()).isTrue();
        }
    }

    /** A task whose deserialization is a lookup by name. */
    enum Answer implements SerializableCallable<Integer> {
        INSTANCE;

        @Override
        public Integer call() {
            return 6 * 7;
        }
    }

    /**
     * A FORK worker's first act is to open streams on its two pipes. Through the JDK's file streams that
     * registered with the common {@code Cleaner} under a monitor a parent thread may hold at the fork, and such a
     * worker waited for ever before serving (on JDK 17 in a timed park, which no stall probe takes for a stall).
     * Here six workers in turn (one task each) are forked while a parent thread holds that monitor nearly all the
     * time. The task is an enum constant, which a worker reads with nothing linked or defined for the first time (a
     * lambda's first reading in a FORK child can stall on its own, which the pool's retries cover).
     */
    @Test
    void forkWorkersStartWhileAParentThreadHoldsTheCleanerMonitor() throws Exception {
        Answer answer = Answer.valueOf("INSTANCE");
        try (Pool warm = new Pool(1, null, 1, StartMethod.FORK)) {
            assertThat(warm.apply(answer)).isEqualTo(42);
        }
        try (AutoCloseable hog = CleanerMonitor.hog(); Pool pool = new Pool(1, null, 1, StartMethod.FORK)) {
            for (int i = 0; i < 6; i++) {
                assertThat(pool.applyAsync(answer).get(60, TimeUnit.SECONDS)).as("task %d", i).isEqualTo(42);
            }
        }
    }

    /**
     * A lambda task read by a FORK worker links a call site there (its class's {@code $deserializeLambda$}), and
     * a new call site registers with the common {@code Cleaner}; so does the task's own {@code Files} call. With a
     * parent thread holding that Cleaner's monitor, such a worker used to wait for ever at its first registration
     * (9 of 12 two-worker pools on JDK 17; JDK 25 killed it as stalled and failed the task). The forking thread
     * now holds the monitor across the fork, so the child owns it. Each round is a new pool, so each task's call
     * site is linked in a new worker.
     */
    @Test
    void lambdaTasksRunInForkWorkersForkedWhileAParentThreadHoldsTheCleanerMonitor() throws Exception {
        assertThat(io.forkj.posix.internal.fork.CommonCleanerLock.reachable())
                .as("the it-tests JVM opens java.lang.ref and jdk.internal.ref").isTrue();
        try (AutoCloseable hog = CleanerMonitor.hog()) {
            for (int round = 0; round < 6; round++) {
                try (Pool pool = new Pool(2, null, 0, StartMethod.FORK)) {
                    String where = pool.applyAsync(() -> Files.readSymbolicLink(Path.of("/proc/self")).toString())
                            .get(60, TimeUnit.SECONDS);
                    assertThat(Integer.parseInt(where)).as("round %d", round).isIn(pool.workerPids());
                }
            }
        }
    }

    /**
     * A FORK worker lives as long as its pool: past the guarded fork's default deadline it is the same process,
     * still serving (it used to be killed and replaced at 30 s, failing whatever task it ran).
     */
    @Test
    void aForkWorkerOutlivesTheDefaultForkDeadline() throws Exception {
        Duration outlive = io.forkj.posix.ForkOptions.defaults().deadline().plusSeconds(3);
        try (Pool pool = new Pool(2, null, 0, StartMethod.FORK)) {
            long started = System.nanoTime();
            assertThat(pool.apply(() -> 6 * 7)).isEqualTo(42);
            assertThat(Kernel.await(Duration.ofSeconds(30), () -> pool.workerPids().size() == 2)).isTrue();
            List<Integer> workers = pool.workerPids();
            // The condition is time itself: the deadline must have passed while the workers were idle.
            long left = outlive.toNanos() - (System.nanoTime() - started);
            if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(left);
            }
            for (int i = 0; i < 4; i++) {
                assertThat(pool.apply(() -> 6 * 7)).isEqualTo(42);
            }
            assertThat(pool.workerPids()).as("the same worker processes").containsExactlyInAnyOrderElementsOf(workers);
            assertThat(workers).allMatch(pid -> Kernel.state(pid).isPresent());
        }
    }

    /**
     * A task whose deserialization in the worker blocks for ever the first time (a park nothing can end, as a VM
     * lock copied held by the fork would): the pool recognises the stall from /proc, kills that worker, and since
     * the task's code had not begun (the worker's progress word says so), runs it on a new worker: it succeeds,
     * and its code ran once.
     */
    @Test
    void aForkWorkerThatStallsBeforeTheTaskBeginsHasItsTaskRunAgain() throws Exception {
        Path dir = Files.createTempDirectory("forkj-pool-stall");
        Path marker = dir.resolve("stalled-once");
        Path runs = dir.resolve("runs");
        // what the worker runs, run here first (no class loaded for the first time in a forked child)
        Files.createFile(dir.resolve("warm"));
        Files.writeString(dir.resolve("warm"), "x\n", StandardOpenOption.APPEND);
        try (Pool pool = new Pool(1, null, 0, StartMethod.FORK)) {
            assertThat(pool.apply(() -> 1)).isEqualTo(1);
            int first = pool.workerPids().get(0);
            StallsWhenReadOnce task = new StallsWhenReadOnce(marker.toString(), runs.toString());
            assertThat(pool.applyAsync(task).get(120, TimeUnit.SECONDS)).isEqualTo("ran");
            assertThat(Files.exists(marker)).as("the first worker stalled").isTrue();
            assertThat(Files.readAllLines(runs)).as("the task's code ran once").hasSize(1);
            assertThat(pool.workerPids()).doesNotContain(first);
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.state(first).isEmpty())).isTrue();
        } finally {
            for (String name : new String[] {"stalled-once", "runs", "warm"}) {
                Files.deleteIfExists(dir.resolve(name));
            }
            Files.delete(dir);
        }
    }

    /**
     * The stall loop run 7 met: another thread of the parent held a Java monitor when the worker was forked, and the
     * task's deserialization enters it. The worker waits for ever on an owner it does not have; JDK 17 parks it with
     * a timeout, which no untimed-wait rule calls a stall. The pool sees a worker asleep on a private futex while it
     * prepares a record, kills it after 2 s, and runs the task on a new worker (forked once the monitor is free).
     */
    @Test
    void aForkWorkerBlockedOnAMonitorHeldAtItsForkHasItsTaskRunAgain() throws Exception {
        Path runs = Files.createTempFile("forkj-pool-monitor", ".runs");
        EntersMonitorWhenRead task = new EntersMonitorWhenRead(runs.toString());
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread holder = new Thread(() -> {
            synchronized (EntersMonitorWhenRead.MONITOR) {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "monitor-holder");
        holder.start();
        try {
            assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
            try (Pool pool = new Pool(1, null, 0, StartMethod.FORK)) {
                assertThat(pool.applyAsync(() -> 1).get(120, TimeUnit.SECONDS)).isEqualTo(1);
                int first = pool.workerPids().get(0);
                release.countDown();
                holder.join(30_000);
                assertThat(pool.applyAsync(task).get(120, TimeUnit.SECONDS)).isEqualTo("ran");
                assertThat(Files.readAllLines(runs)).as("the task's code ran once").hasSize(1);
                assertThat(pool.workerPids()).doesNotContain(first);
                assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.state(first).isEmpty())).isTrue();
            }
        } finally {
            release.countDown();
            holder.join(30_000);
            Files.deleteIfExists(runs);
        }
    }

    /** See {@link #aForkWorkerBlockedOnAMonitorHeldAtItsForkHasItsTaskRunAgain()}. */
    static final class EntersMonitorWhenRead implements SerializableCallable<String> {
        private static final long serialVersionUID = 1L;
        static final Object MONITOR = new Object();
        private final String runs;

        EntersMonitorWhenRead(String runs) {
            this.runs = runs;
        }

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
            synchronized (MONITOR) {
                MONITOR.hashCode();
            }
        }

        @Override
        public String call() throws Exception {
            Files.writeString(Path.of(runs), "x\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return "ran";
        }
    }

    /** See {@link #aForkWorkerThatStallsBeforeTheTaskBeginsHasItsTaskRunAgain()}. */
    static final class StallsWhenReadOnce implements SerializableCallable<String> {
        private static final long serialVersionUID = 1L;
        private final String marker;
        private final String runs;

        StallsWhenReadOnce(String marker, String runs) {
            this.marker = marker;
            this.runs = runs;
        }

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
            try {
                Files.createFile(Path.of(marker));
            } catch (java.nio.file.FileAlreadyExistsException secondTime) {
                return;
            }
            while (true) {
                java.util.concurrent.locks.LockSupport.park();
            }
        }

        @Override
        public String call() throws Exception {
            Files.writeString(Path.of(runs), "x\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return "ran";
        }
    }

    /**
     * Under FORK too: a worker's death is seen as the end of its result pipe, which needs its siblings not to hold
     * copies of that pipe's write end (they did, before FORK children closed them).
     */
    @ParameterizedTest
    @EnumSource(value = StartMethod.class, names = {"SPAWN", "FORK"})
    void aWorkerSigkilledMidTaskFailsThatTaskAndThePoolKeepsServing(StartMethod method) throws Exception {
        Path file = Files.createTempFile("forkj-pool-it", ".pid");
        Files.writeString(file, "");
        try (Pool pool = new Pool(2, null, 0, method)) {
            CompletableFuture<String> doomed = pool.applyAsync(sleeper(file));
            int pid = awaitPid(file);
            assertThat(pool.workerPids()).contains(pid);
            Native.posix().kill(pid, 9);
            assertThatThrownBy(() -> doomed.get(120, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(WorkerDiedException.class)
                    .hasMessageContaining("pid " + pid).hasMessageContaining("-9").hasMessageContaining("SIGKILL");
            WorkerDiedException died = (WorkerDiedException) doomed.handle((v, e) -> e).get();
            assertThat(died.pid()).isEqualTo(pid);
            assertThat(died.exitCode()).isEqualTo(-9);
            List<CompletableFuture<Integer>> next = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                next.add(pool.applyAsync(() -> n * 2));
            }
            for (int i = 0; i < 100; i++) {
                assertThat(next.get(i).get(120, TimeUnit.SECONDS)).isEqualTo(i * 2);
            }
            assertThat(Kernel.await(LONG, () -> pool.workerPids().size() == 2)).isTrue();
            assertThat(pool.workerPids()).doesNotContain(pid);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Written by the worker, unreadable in the pool's JVM: as a result too large for its heap would be. */
    static final class UnreadableInThePool implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        private void readObject(java.io.ObjectInputStream in) {
            throw new OutOfMemoryError("simulated: no heap left for this result");
        }
    }

    @Test
    void aTaskThatThrowsAndAResultThatCannotBeSerializedFailOnlyThemselves() throws Exception {
        try (Pool pool = new Pool(1)) {
            assertThatThrownBy(() -> pool.apply(() -> {
                throw new IllegalArgumentException("bad input 42");
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad input 42");
            assertThatThrownBy(() -> pool.apply(Thread::currentThread)).isInstanceOf(ResultEncodingException.class)
                    .hasMessageContaining("java.lang.Thread");
            assertThat(pool.apply(() -> 7)).isEqualTo(7);
            List<Integer> worker = pool.workerPids();
            assertThatThrownBy(() -> pool.apply(UnreadableInThePool::new)).isInstanceOf(ResultEncodingException.class)
                    .hasMessageContaining("could not be read in this process")
                    .hasRootCauseInstanceOf(OutOfMemoryError.class);
            assertThat(pool.apply(() -> 8)).isEqualTo(8);
            assertThat(pool.workerPids()).isEqualTo(worker);
            Object lock = new Object();
            assertThatThrownBy(() -> pool.applyAsync(() -> lock.hashCode()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Object");
        }
    }

    @Test
    void terminateWhileTasksRunLeavesNoProcess() throws Exception {
        Pool pool = new Pool(2);
        List<CompletableFuture<Integer>> running = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            running.add(pool.applyAsync(() -> {
                Thread.sleep(600_000);
                return 1;
            }));
        }
        assertThat(Kernel.await(LONG, () -> pool.workerPids().size() == 2)).isTrue();
        List<Integer> pids = pool.workerPids();
        pool.terminate();
        for (CompletableFuture<Integer> f : running) {
            assertThat(f).isCompletedExceptionally();
            assertThatThrownBy(f::get).isInstanceOf(CancellationException.class);
        }
        assertGone(pids);
        pool.join();
    }

    /** try-with-resources on a pool whose task never ends: an interrupt of the closing thread terminates it. */
    @Test
    void closeInterruptedWhileATaskNeverEndsTerminatesThePool() throws Exception {
        Path file = Files.createTempFile("forkj-pool-close-it", ".pid");
        Files.writeString(file, "");
        Pool pool = new Pool(1);
        try {
            CompletableFuture<String> endless = pool.applyAsync(sleeper(file));
            int worker = awaitPid(file);
            CompletableFuture<Void> closed = new CompletableFuture<>();
            Thread closer = new Thread(() -> {
                pool.close();
                closed.complete(null);
            }, "closer");
            closer.start();
            assertThat(Kernel.await(Duration.ofSeconds(30), () -> closer.getState() == Thread.State.TIMED_WAITING
                    || closer.getState() == Thread.State.WAITING)).as("close() waits for the endless task").isTrue();
            assertThat(closed).isNotDone();
            closer.interrupt();
            closer.join(Duration.ofSeconds(30).toMillis());
            assertThat(closer.isAlive()).as("close() still waiting 30 s after the interrupt").isFalse();
            assertThatThrownBy(() -> endless.get()).isInstanceOf(CancellationException.class);
            assertGone(List.of(worker));
        } finally {
            pool.terminate(); // (a no-op when the test passed; a failed one leaves no worker behind)
            Files.deleteIfExists(file);
        }
    }

    @Test
    void maxTasksPerChildReplacesWorkerProcesses() throws Exception {
        try (Pool pool = new Pool(1, null, 2)) {
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                pids.add(pool.apply(() -> ProcessHandle.current().pid()));
            }
            assertThat(pids.stream().distinct().count()).isEqualTo(3);
        }
    }

    @Test
    void theExecutorIsAPlainExecutorServiceThatSurvivesADeadWorker() throws Exception {
        Path file = Files.createTempFile("forkj-executor-it", ".pid");
        Files.writeString(file, "");
        List<Integer> workers = new ArrayList<>();
        try (ProcessPoolExecutor executor = new ProcessPoolExecutor(2)) {
            CompletableFuture<Integer> f = executor.submit((SerializableCallable<Integer>) () -> 6 * 7);
            CompletableFuture<String> callback = new CompletableFuture<>();
            f.whenComplete((r, e) -> callback.complete("done " + r));
            assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(callback.get(10, TimeUnit.SECONDS)).isEqualTo("done 42");
            List<Callable<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int n = i;
                tasks.add((SerializableCallable<Integer>) () -> n);
            }
            List<Integer> all = new ArrayList<>();
            for (Future<Integer> each : executor.invokeAll(tasks)) {
                all.add(each.get());
            }
            assertThat(all).isEqualTo(range(10));
            assertThat(executor.invokeAny(tasks)).isBetween(0, 9);
            List<Integer> mapped = new ArrayList<>();
            executor.map((Integer x) -> x * 3, range(5)).forEachRemaining(mapped::add);
            assertThat(mapped).containsExactly(0, 3, 6, 9, 12);
            assertThatThrownBy(() -> executor.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("not Serializable");

            CompletableFuture<String> doomed = executor.submit(sleeper(file));
            int pid = awaitPid(file);
            Native.posix().kill(pid, 9);
            assertThatThrownBy(() -> doomed.get(120, TimeUnit.SECONDS)).cause().isInstanceOf(WorkerDiedException.class)
                    .hasMessageContaining("pid " + pid);
            assertThat(executor.submit((SerializableCallable<String>) () -> "alive").get(120, TimeUnit.SECONDS))
                    .isEqualTo("alive");
            workers.addAll(executor.workerPids());
            executor.shutdown();
            assertThat(executor.isShutdown()).isTrue();
            assertThatThrownBy(() -> executor.submit((SerializableCallable<Integer>) () -> 1))
                    .isInstanceOf(RejectedExecutionException.class);
            assertThat(executor.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
            assertThat(executor.isTerminated()).isTrue();
        } finally {
            Files.deleteIfExists(file);
        }
        assertGone(workers);
    }

    @Test
    void shutdownNowStopsRunningTasksAndReturnsTheOthers() throws Exception {
        Path file = Files.createTempFile("forkj-shutdown-now-it", ".pid");
        Files.writeString(file, "");
        ProcessPoolExecutor executor = new ProcessPoolExecutor(1);
        CompletableFuture<String> running = executor.submit(sleeper(file));
        List<CompletableFuture<Integer>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(executor.submit((SerializableCallable<Integer>) () -> 2));
        }
        int pid = awaitPid(file);
        List<Runnable> never = executor.shutdownNow();
        assertThat(never).hasSize(3);
        assertThat(running).isCompletedExceptionally();
        for (CompletableFuture<Integer> f : waiting) {
            assertThat(f).isCompletedExceptionally();
        }
        assertThat(executor.isTerminated()).isTrue();
        assertGone(List.of(pid));
        Files.deleteIfExists(file);
    }
}
