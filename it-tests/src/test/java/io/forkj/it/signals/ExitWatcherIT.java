package io.forkj.it.signals;

import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.it.Kernel;
import io.forkj.it.RawChild;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.ExitWatcher;
import io.forkj.signals.internal.ChildScan;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Child-exit notification against the real kernel, by pidfd and by the polling fallback. */
class ExitWatcherIT {
    private static final Posix POSIX = Posix.get();

    @Test
    void pidfdWatcherDeliversAThousandConcurrentExitsExactlyOnceAndLeavesJdkChildrenAlone() throws Exception {
        assertThat(ExitWatcher.pidfdSupported()).as("kernel 5.3+ on the build machine").isTrue();
        ExitWatcher watcher = ExitWatcher.shared();
        assertThat(watcher.mechanism()).isEqualTo(ExitWatcher.Mechanism.PIDFD);
        deliversEachExitExactlyOnce(watcher, 1000);
    }

    /** The fallback for kernels without pidfd_open, forced: waitpid(pid, WNOHANG) over the tracked pids. */
    @Test
    void pollingFallbackDeliversEachExitExactlyOnce() throws Exception {
        try (ExitWatcher watcher = ExitWatcher.start(ExitWatcher.Mechanism.POLLING)) {
            assertThat(watcher.mechanism()).isEqualTo(ExitWatcher.Mechanism.POLLING);
            deliversEachExitExactlyOnce(watcher, 300);
        }
    }

    /**
     * Every tenth child is a raw-forked clone that pauses until SIGKILLed (all at once at the end, so they exit
     * concurrently); the others are {@code sh -c 'exit N'} (see {@link Spawn} for why not raw forks) exiting
     * with {@code i % 256} while the rest are still being started. A {@code sh -c 'exit 3'} started alongside must still report 3 to the JDK.
     */
    private static void deliversEachExitExactlyOnce(ExitWatcher watcher, int n) throws Exception {
        Process jdkChild = new ProcessBuilder("sh", "-c", "exit 3").start();
        Map<Integer, WaitStatus> expected = new HashMap<>();
        Map<Integer, CompletableFuture<WaitStatus>> futures = new HashMap<>();
        Map<Integer, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        List<Integer> paused = new ArrayList<>();
        System.gc(); // an empty young generation makes a collection (a safepoint) during the forks unlikely
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                int pid;
                if (i % 10 == 0) {
                    pid = RawChild.fork(() -> Native.libc().pause());
                    paused.add(pid);
                    expected.put(pid, new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
                } else {
                    int code = i % 256;
                    pid = Spawn.program("sh", "-c", "exit " + code);
                    expected.put(pid, new WaitStatus.Exited(pid, code));
                }
                CompletableFuture<WaitStatus> f = watcher.watch(pid);
                futures.put(pid, f);
                if (i % 10 == 0) {
                    // only a child still alive is still watched: an exited one may be reaped already
                    assertThat(watcher.watch(pid)).as("watching again gives the same future").isSameAs(f);
                }
                f.whenComplete((s, e) -> deliveries.computeIfAbsent(pid, k -> new AtomicInteger()).incrementAndGet());
            }
            for (int pid : paused) {
                POSIX.kill(pid, Signal.SIGKILL);
            }
            CompletableFuture.allOf(futures.values().toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
            List<Integer> missing = cleanUp(expected.keySet(), futures);
            throw new AssertionError("failed with " + missing.size() + " exits undelivered: " + missing, e);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        for (CompletableFuture<WaitStatus> f : futures.values()) {
            WaitStatus s = f.get();
            assertThat(s).isEqualTo(expected.get(s.pid()));
        }
        // allOf() may complete before the last whenComplete callback has run on the watcher thread
        assertThat(Kernel.await(Duration.ofSeconds(5), () -> deliveries.size() == n)).isTrue();
        assertThat(deliveries).hasSize(n);
        assertThat(deliveries.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
        assertThat(Kernel.await(Duration.ofSeconds(5), () -> watcher.watching() == 0)).isTrue();
        assertThat(expected.keySet()).noneMatch(p -> Kernel.ppid(p).orElse(0) == Kernel.self());
        assertThat(jdkChild.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(jdkChild.exitValue()).as("java.lang.Process still gets its true exit code").isEqualTo(3);
        System.out.printf("%s: %d children forked, watched and reaped in %d ms%n", watcher.mechanism(), n, millis);
    }

    /** After a failure half-way no child may outlive the test: kill every one, let the watcher or us reap it. */
    private static List<Integer> cleanUp(Iterable<Integer> pids, Map<Integer, CompletableFuture<WaitStatus>> futures) {
        List<Integer> missing = new ArrayList<>();
        for (int pid : pids) {
            CompletableFuture<WaitStatus> f = futures.get(pid);
            if (f != null && f.isDone()) {
                continue;
            }
            missing.add(pid);
            if (Kernel.ppid(pid).orElse(0) == Kernel.self()) {
                POSIX.kill(pid, Signal.SIGKILL);
            }
            if (f == null) {
                RawChild.reap(pid);
            } else {
                f.handle((s, e) -> s).orTimeout(10, TimeUnit.SECONDS).join();
            }
        }
        return missing;
    }

    @Test
    void refusesWhatIsNotAnUnreapedChild() throws Exception {
        ExitWatcher watcher = ExitWatcher.shared();
        assertThatThrownBy(() -> watcher.watch(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("watch(0)");
        assertThatThrownBy(() -> watcher.watch(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> watcher.watch(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an unreaped child");
        int pid = RawChild.fork(() -> POSIX._exit(0));
        assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Exited(pid, 0));
        assertThatThrownBy(() -> watcher.watch(pid)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(pid));

        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            int jdkPid = (int) sleeper.pid();
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> ChildScan.awaited().contains(jdkPid))).isTrue();
            assertThatThrownBy(() -> watcher.watch(jdkPid)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Process.onExit()");
        } finally {
            sleeper.destroy();
            assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(sleeper.exitValue()).isEqualTo(128 + 15);
    }

    @Test
    void closingAWatcherFailsPendingFuturesAndLeavesTheChildToReap() throws Exception {
        int pid = RawChild.fork(() -> Native.libc().pause());
        CompletableFuture<WaitStatus> f;
        try (ExitWatcher watcher = ExitWatcher.start(ExitWatcher.Mechanism.PIDFD)) {
            f = watcher.watch(pid);
        }
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("still a child");
        assertThat(Kernel.state(pid)).isPresent();
        POSIX.kill(pid, Signal.SIGKILL);
        assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
        assertThatThrownBy(() -> ExitWatcher.shared().close()).isInstanceOf(IllegalStateException.class);
    }

    /**
     * A thread blocked in {@code get()} waits for the exit itself: with the watcher's thread held up in a slow
     * callback (which should not happen, but a user may do it), a second child's future still completes for the
     * thread waiting on it, and its callbacks run there. Before, such a waiter slept until the watcher thread was
     * free.
     */
    @Test
    void aWaiterReapsItselfWhileTheWatcherThreadIsBusy() throws Exception {
        try (ExitWatcher watcher = ExitWatcher.start(ExitWatcher.Mechanism.PIDFD)) {
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch blocking = new java.util.concurrent.CountDownLatch(1);
            int first = Spawn.program("sleep", "1000");
            int second = Spawn.program("sleep", "1000");
            CompletableFuture<WaitStatus> firstExit = watcher.watch(first);
            CompletableFuture<WaitStatus> secondExit = watcher.watch(second);
            firstExit.thenRun(() -> {
                blocking.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                POSIX.kill(first, Signal.SIGKILL);
                assertThat(blocking.await(10, TimeUnit.SECONDS)).as("the watcher thread ran the slow callback").isTrue();
                Thread[] ranOn = new Thread[1];
                CompletableFuture<Void> callback = secondExit.thenRun(() -> ranOn[0] = Thread.currentThread());
                POSIX.kill(second, Signal.SIGKILL);
                assertThat(secondExit.get(10, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Signaled(second, Signal.SIGKILL, false));
                assertThat(callback).isDone();
                assertThat(ranOn[0]).isSameAs(Thread.currentThread());
                assertThat(Kernel.state(second)).as("reaped: no zombie left").isEmpty();
            } finally {
                release.countDown();
                if (!secondExit.isDone()) {
                    POSIX.kill(second, Signal.SIGKILL); // an assertion failed before the kill: leave no child
                    secondExit.get(10, TimeUnit.SECONDS);
                }
            }
            assertThat(firstExit.get(10, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Signaled(first, Signal.SIGKILL, false));
        }
    }

    /** {@code get()} blocked on a live child answers an interrupt within its poll slice, as a future should. */
    @Test
    void aWaiterBlockedOnALiveChildCanBeInterrupted() throws Exception {
        int pid = Spawn.program("sleep", "1000");
        CompletableFuture<WaitStatus> exit = ExitWatcher.shared().watch(pid);
        try {
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread waiter = waiter(exit::get, outcome, "waiter");
            waiter.start();
            assertThat(sleepsOnThePidfd(waiter)).as("the waiter sleeps on the pidfd").isTrue();
            waiter.interrupt();
            assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
            assertThat(exit).isNotDone();
        } finally {
            POSIX.kill(pid, Signal.SIGKILL);
            assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
        }
    }

    /**
     * The kernel's view of the watcher's epoll interest list (/proc/self/fdinfo of its epoll fd; each entry's data
     * word carries the pid in its low 32 bits): a watch puts the child's pidfd in at once, with no wake-up of the
     * watcher's thread; a thread waiting in {@code get()} takes it out while it sleeps on the pidfd itself, so that
     * the exit wakes that thread alone; the exit takes it out for good and closes the pidfd.
     */
    @Test
    void theInterestListHoldsAWatchedChildExceptWhileAThreadWaitsInGet() throws Exception {
        ExitWatcher watcher = ExitWatcher.shared();
        watcher.watching(); // the shared watcher exists (with its epoll fd) before the pidfds are counted
        long pidfdsBefore = Kernel.openPidfds();
        int pid = Spawn.program("sleep", "1000");
        CompletableFuture<WaitStatus> exit = watcher.watch(pid);
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread waiter = waiter(() -> exit.get(30, TimeUnit.SECONDS), outcome, "waiter");
        try {
            assertThat(listed(pid)).as("listed once the watch returns").isEqualTo(1);
            assertThat(Kernel.openPidfds()).as("the watch's pidfd").isEqualTo(pidfdsBefore + 1);
            waiter.start();
            assertThat(sleepsOnThePidfd(waiter)).as("the waiter sleeps on the pidfd").isTrue();
            assertThat(listed(pid)).as("listed while a thread sleeps on the pidfd itself").isZero();
        } finally {
            POSIX.kill(pid, Signal.SIGKILL);
        }
        assertThat(outcome.get(30, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
        waiter.join(10_000);
        assertThat(listed(pid)).as("listed after the exit").isZero();
        assertThat(Kernel.openPidfds()).as("pidfds after the exit").isEqualTo(pidfdsBefore);
        assertThat(Kernel.state(pid)).as("reaped: no zombie left").isEmpty();
    }

    /** A thread, not started, that waits in {@code get} and completes {@code outcome} with what it got or threw. */
    private static Thread waiter(java.util.concurrent.Callable<WaitStatus> get, CompletableFuture<Object> outcome,
            String name) {
        return new Thread(() -> {
            try {
                outcome.complete(get.call());
            } catch (Throwable t) {
                outcome.complete(t);
            }
        }, name);
    }

    /** Waits until {@code thread} sleeps on a child's pidfd ({@code Pidfd.awaitExit} on its stack). */
    private static boolean sleepsOnThePidfd(Thread thread) {
        return Kernel.await(Duration.ofSeconds(10), () -> java.util.Arrays.stream(thread.getStackTrace())
                .anyMatch(f -> f.getMethodName().equals("awaitExit")));
    }

    /** How many entries of this JVM's epoll interest lists carry {@code pid} (the exit watcher's tokens do). */
    private static long listed(int pid) {
        return Kernel.epollData().stream().filter(data -> (int) (long) data == pid).count();
    }

    /**
     * A thread sleeping in {@code get()} is the only one the exit wakes: it takes that child out of the watcher's
     * interest list, so the waiter reaps and completes the future itself (its callbacks run there) every time.
     * Before, the exit woke both threads and they raced for the entry's lock; the watcher won some rounds, and the
     * waiter then had to be woken a second time.
     */
    @Test
    void aThreadWaitingInGetIsTheOneThatReaps() throws Exception {
        ExitWatcher watcher = ExitWatcher.shared();
        for (int round = 0; round < 100; round++) {
            int pid = Spawn.program("sleep", "1000");
            CompletableFuture<WaitStatus> exit = watcher.watch(pid);
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread waiter = waiter(() -> exit.get(30, TimeUnit.SECONDS), outcome, "waiter-" + round);
            Thread[] completedOn = new Thread[1];
            exit.whenComplete((status, failure) -> completedOn[0] = Thread.currentThread());
            try {
                waiter.start();
                assertThat(sleepsOnThePidfd(waiter)).as("the waiter sleeps on the pidfd").isTrue();
            } finally {
                POSIX.kill(pid, Signal.SIGKILL);
            }
            assertThat(outcome.get(30, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
            waiter.join(10_000);
            assertThat(completedOn[0]).as("round %d: the thread that completed the future", round).isSameAs(waiter);
            assertThat(Kernel.state(pid)).as("reaped: no zombie left").isEmpty();
        }
        assertThat(watcher.watching()).isZero();
    }

    /**
     * A waiter that gave up (a timed {@code get}) gives the child back to the watcher's thread, which then learns of
     * the exit on its own: nobody else waits, and the future still completes, on the watcher's thread.
     */
    @Test
    void aWaiterThatTimedOutGivesTheChildBackToTheWatcherThread() throws Exception {
        int pid = Spawn.program("sleep", "1000");
        CompletableFuture<WaitStatus> exit = ExitWatcher.shared().watch(pid);
        Thread[] completedOn = new Thread[1];
        // A dependent future is a plain one: waiting on it reaps nothing, so only the watcher's thread can.
        CompletableFuture<WaitStatus> observed = exit.whenComplete((status, failure) -> completedOn[0] = Thread.currentThread());
        try {
            assertThatThrownBy(() -> exit.get(20, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(listed(pid)).as("back in the watcher's interest list").isEqualTo(1);
        } finally {
            POSIX.kill(pid, Signal.SIGKILL);
        }
        assertThat(observed.get(10, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
        assertThat(completedOn[0].getName()).isEqualTo("forkj-exit-watcher");
        assertThat(Kernel.state(pid)).as("reaped: no zombie left").isEmpty();
    }

    /**
     * SIGKILL to future completion, one {@code sleep} child at a time (an exec'd program, so the figure is the
     * watcher's and not a JVM clone's address-space teardown). The C baseline is kill + waitpid on the same kind
     * of child; the benchmarks module compares them properly.
     */
    @Test
    void notificationLatency() throws Exception {
        ExitWatcher watcher = ExitWatcher.shared();
        int warmup = 50;
        int rounds = 200;
        long[] micros = new long[rounds];
        for (int i = 0; i < warmup + rounds; i++) {
            int pid = Spawn.program("sleep", "1000");
            CompletableFuture<WaitStatus> f = watcher.watch(pid);
            long t = System.nanoTime();
            POSIX.kill(pid, Signal.SIGKILL);
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
            if (i >= warmup) {
                micros[i - warmup] = (System.nanoTime() - t) / 1000;
            }
        }
        java.util.Arrays.sort(micros);
        System.out.printf("ExitWatcher latency kill->future over %d rounds: median %d us, p90 %d us, max %d us%n",
                rounds, micros[rounds / 2], micros[rounds * 9 / 10], micros[rounds - 1]);
        assertThat(micros[rounds / 2]).as("median latency in microseconds").isLessThan(100_000);
    }
}
