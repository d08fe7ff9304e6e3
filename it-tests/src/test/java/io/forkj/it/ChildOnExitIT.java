package io.forkj.it;

import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.ExitWatcher;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.ForkStallException;
import io.forkj.posix.Spawn;
import io.forkj.posix.internal.libc.Native;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 12: {@link Child#onExit()} completes on its own (nobody waits on the handle) for an exit, a signal death
 * and a stalled forked child; the watcher polls the handle's own pidfd, so a watched child costs exactly one
 * pidfd, and none is left once it is reaped, whichever of {@code onExit} and {@code waitFor} reaps.
 */
class ChildOnExitIT {
    private static final ForkOptions FORK = ForkOptions.defaults().deadline(Duration.ofSeconds(120));
    private static final Duration SETTLE = Duration.ofSeconds(30);
    static volatile Object sink;

    @Test
    void onExitCompletesOnItsOwnWithTheExitStatus() throws Exception {
        Child spawned = Spawn.exec("/bin/sh", "-c", "exit 3");
        Child forked = Fork.run(FORK, ctx -> ctx.exit(5));
        assertThat(spawned.onExit().get(30, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Exited(spawned.pid(), 3));
        assertThat(forked.onExit().get(30, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Exited(forked.pid(), 5));
        for (Child c : List.of(spawned, forked)) {
            assertThat(c.status()).as("reaped through the handle").isPresent();
            assertThat(c.whenReaped().get(1, TimeUnit.SECONDS)).isEqualTo(c.status().orElseThrow());
            assertThat(Kernel.state(c.pid())).as("no zombie of %d", c.pid()).isEmpty();
            assertThat(c.waitFor()).as("waitFor agrees").isEqualTo(c.status().orElseThrow());
            assertThat(c.onExit().get(1, TimeUnit.SECONDS)).as("onExit after the reap").isEqualTo(c.waitFor());
        }
    }

    @Test
    void onExitCompletesWithTheSignalThatKilledTheChildAndEachCallIsItsOwnFuture() throws Exception {
        Child child = Spawn.exec("sleep", "600");
        assertThat(Kernel.awaitAsleep(child.pid(), SETTLE)).isTrue();
        CompletableFuture<WaitStatus> first = child.onExit();
        CompletableFuture<WaitStatus> second = child.onExit();
        assertThat(first).isNotSameAs(second);
        assertThat(first.cancel(false)).as("a caller may cancel its own future").isTrue();
        assertThat(second).as("still running").isNotDone();
        assertThat(child.whenReaped()).isNotDone();
        child.kill(Signal.SIGTERM);
        assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Signaled(child.pid(), Signal.SIGTERM, false));
        assertThat(child.status()).contains(second.get());
        assertThat(Kernel.state(child.pid())).isEmpty();
    }

    /** An allocating body needs a GC, which cannot run in a forked child: it stalls, and nobody waits for it. */
    @Test
    void onExitFailsWithTheStallOfAStalledForkedChild() throws Exception {
        long budget = Fork.allocationBudget();
        int arrays = (int) Math.min(Integer.MAX_VALUE, 4 * (budget / 65_536) + 1_000);
        Child child = Fork.run(FORK, ctx -> {
            for (int i = 0; i < arrays; i++) {
                sink = new byte[65_536];
            }
        });
        CompletableFuture<WaitStatus> exit = child.onExit();
        assertThatThrownBy(() -> exit.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(ForkStallException.class, e -> {
                    assertThat(e.pid()).isEqualTo(child.pid());
                    assertThat(e.recognisedEarly()).as(e.getMessage()).isTrue();
                });
        assertThat(Kernel.state(child.pid())).as("killed and reaped").isEmpty();
        assertThatThrownBy(child::waitFor).isInstanceOf(ForkStallException.class);
        assertThatThrownBy(() -> child.onExit().get(1, TimeUnit.SECONDS)).cause().isInstanceOf(ForkStallException.class);
    }

    /**
     * N sleeping children, each watched by onExit (twice) and watch(child): still one pidfd each. Then all are
     * killed while a waitFor per child races the watcher to reap; every future agrees with waitFor and no pidfd
     * is left. A raw pid's pidfd is the watcher's own, and gone once the pid is reaped.
     */
    @Test
    void aWatchedChildHoldsExactlyOnePidfdAndNoneIsLeftAfterTheRace() throws Exception {
        int n = 64;
        ExitWatcher watcher = ExitWatcher.shared();
        int watchedBefore = watcher.watching();
        long before = pidfds();
        List<Child> children = new ArrayList<>();
        List<CompletableFuture<WaitStatus>> exits = new ArrayList<>();
        ExecutorService waiters = Executors.newFixedThreadPool(8);
        try {
            for (int i = 0; i < n; i++) {
                children.add(Spawn.exec("sleep", "600"));
            }
            assertThat(pidfds() - before).as("one pidfd per child handle").isEqualTo(n);
            for (Child c : children) {
                exits.add(c.onExit());
                c.onExit();
                watcher.watch(c);
            }
            assertThat(Kernel.await(SETTLE, () -> watcher.watching() - watchedBefore == n)).isTrue();
            assertThat(pidfds() - before).as("watching adds no pidfd").isEqualTo(n);

            int raw = RawChild.fork(() -> Native.libc().pause());
            CompletableFuture<WaitStatus> rawExit = watcher.watch(raw);
            assertThat(pidfds() - before).as("a raw pid's pidfd").isEqualTo(n + 1);
            io.forkj.Posix.get().kill(raw, Signal.SIGKILL);
            assertThat(rawExit.get(30, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Signaled(raw, Signal.SIGKILL, false));
            assertThat(Kernel.await(SETTLE, () -> pidfds() - before == n)).as("the raw pid's pidfd closed").isTrue();

            List<Future<WaitStatus>> waited = new ArrayList<>();
            for (Child c : children) {
                waited.add(waiters.submit(() -> c.waitFor()));
            }
            for (Child c : children) {
                c.kill(Signal.SIGKILL);
            }
            for (int i = 0; i < n; i++) {
                WaitStatus status = waited.get(i).get(30, TimeUnit.SECONDS);
                assertThat(status).isEqualTo(new WaitStatus.Signaled(children.get(i).pid(), Signal.SIGKILL, false));
                assertThat(exits.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(status);
            }
        } finally {
            waiters.shutdownNow();
            for (Child c : children) {
                if (c.status().isEmpty()) {
                    c.kill(Signal.SIGKILL);
                    c.waitFor();
                }
            }
        }
        assertThat(Kernel.await(SETTLE, () -> watcher.watching() == watchedBefore)).isTrue();
        assertThat(Kernel.await(SETTLE, () -> pidfds() == before))
                .as("pidfds left: %d", pidfds() - before).isTrue();
    }

    /** The deprecated signals facade is the same watcher. */
    @SuppressWarnings("deprecation")
    @Test
    void theSignalsFacadeDelegatesToTheSameWatcher() throws Exception {
        Child child = Spawn.exec("/bin/sh", "-c", "exit 4");
        io.forkj.signals.ExitWatcher facade = io.forkj.signals.ExitWatcher.shared();
        assertThat(facade.mechanism().name()).isEqualTo(ExitWatcher.shared().mechanism().name());
        assertThat(facade.watch(child).get(30, TimeUnit.SECONDS)).isEqualTo(new WaitStatus.Exited(child.pid(), 4));
        assertThatThrownBy(facade::close).isInstanceOf(IllegalStateException.class);
    }

    private static long pidfds() {
        return Kernel.openFds(Kernel.self()).stream().filter(fd -> fd.endsWith("anon_inode:[pidfd]")).count();
    }
}
