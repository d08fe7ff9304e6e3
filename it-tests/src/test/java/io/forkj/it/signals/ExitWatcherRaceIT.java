package io.forkj.it.signals;

import io.forkj.WaitStatus;
import io.forkj.it.Kernel;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.ForkStallException;
import io.forkj.posix.Spawn;
import io.forkj.signals.ExitWatcher;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, item 1: {@code ExitWatcher.watch(child)} racing {@code child.waitFor()} on a child that has just
 * exited. Before the fix, about 2 % of such races left a future that never completed (the handle reaped
 * between the watcher's look at it and its {@code pidfd_open}, which then failed with ESRCH). Each race
 * starts both calls at once on a zombie child; every future must complete with the status {@code waitFor}
 * returned. As many races as fit in {@link #BUDGET} (up to {@link #RACES}), and at least {@link #MIN_RACES}
 * however slow the machine: the budget sizes the test, it is not a speed assertion.
 */
class ExitWatcherRaceIT {
    private static final int RACES = 3000;
    private static final int MIN_RACES = 100;
    private static final Duration BUDGET = Duration.ofSeconds(60);
    private static final ForkOptions FORK = ForkOptions.defaults().deadline(Duration.ofSeconds(10));

    @Test
    void watchRacingWaitForCompletesEveryFutureForForkedChildren() throws Exception {
        race(() -> Fork.run(FORK, ctx -> { }), 0);
    }

    @Test
    void watchRacingWaitForCompletesEveryFutureForSpawnedChildren() throws Exception {
        race(() -> Spawn.exec("/bin/sh", "-c", "exit 7"), 7);
    }

    private static void race(Supplier<Child> start, int code) throws Exception {
        ExitWatcher watcher = ExitWatcher.shared();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        List<String> lost = new ArrayList<>();
        List<CompletableFuture<WaitStatus>> watched = new ArrayList<>();
        List<WaitStatus> expected = new ArrayList<>();
        int races = 0;
        int stalls = 0;
        long end = System.nanoTime() + BUDGET.toNanos();
        try {
            while (races < MIN_RACES || (races < RACES && System.nanoTime() - end < 0)) {
                Child child = start.get();
                int pid = child.pid();
                assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.state(pid).orElse('?') == 'Z'))
                        .as("child %d became a zombie", pid).isTrue();
                AtomicReference<Boolean> go = new AtomicReference<>(false);
                Future<WaitStatus> waiter = threads.submit(() -> {
                    while (!go.get()) {
                        Thread.onSpinWait();
                    }
                    return child.waitFor();
                });
                Future<CompletableFuture<WaitStatus>> watcherCall = threads.submit(() -> {
                    while (!go.get()) {
                        Thread.onSpinWait();
                    }
                    return watcher.watch(child);
                });
                go.set(true);
                WaitStatus waited;
                try {
                    waited = waiter.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).as("child %d", pid).isInstanceOf(ForkStallException.class);
                    stalls++;
                    watcherCall.get(30, TimeUnit.SECONDS).handle((s, t) -> null).get(30, TimeUnit.SECONDS);
                    races++;
                    continue;
                }
                assertThat(waited).isEqualTo(new WaitStatus.Exited(pid, code));
                watched.add(watcherCall.get(30, TimeUnit.SECONDS));
                expected.add(waited);
                races++;
            }
        } finally {
            threads.shutdownNow();
        }
        long settle = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (int i = 0; i < watched.size(); i++) {
            try {
                long left = Math.max(1, settle - System.nanoTime());
                assertThat(watched.get(i).get(left, TimeUnit.NANOSECONDS)).isEqualTo(expected.get(i));
            } catch (TimeoutException e) {
                lost.add(expected.get(i).toString());
            }
        }
        System.out.printf("watch/waitFor races: %d, forked children that stalled: %d, lost futures: %d%n",
                races, stalls, lost.size());
        assertThat(lost).as("futures that never completed in %d races", races).isEmpty();
        assertThat(stalls).as("forked children that stalled").isLessThan(races / 10 + 1);
        assertThat(Kernel.await(Duration.ofSeconds(10), () -> watcher.watching() == 0))
                .as("entries left in the watcher: %d", watcher.watching()).isTrue();
    }
}
