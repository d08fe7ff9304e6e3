package io.forkj.it;

import io.forkj.FiveState;
import io.forkj.KernelState;
import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.posix.Lifecycle;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Lifecycle tracking of real processes: every letter change, in order, with its time, and its listener. */
class LifecycleIT {
    private static final Posix POSIX = Posix.get();
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private static boolean letter(Lifecycle.Observation o, char c) {
        return o.kernelState().map(KernelState::letter).orElse('?') == c;
    }

    @Test
    void sleepingStoppedContinuedZombieReaped() throws InterruptedException {
        int pid = RawChild.fork(() -> {
            while (true) {
                Native.libc().pause();
            }
        });
        List<Lifecycle.Transition> heard = new CopyOnWriteArrayList<>();
        Lifecycle life = null;
        try {
            Kernel.awaitState(pid, 'S');
            life = Lifecycle.track(Procs.identity(pid), true, Duration.ofMillis(2))
                    .addListener((l, t) -> heard.add(t));
            assertThat(life.await(o -> letter(o, 'S'), DEADLINE)).isTrue();
            POSIX.kill(pid, Signal.SIGSTOP);
            assertThat(life.await(o -> letter(o, 'T'), DEADLINE)).isTrue();
            POSIX.kill(pid, Signal.SIGCONT);
            assertThat(life.await(o -> letter(o, 'S'), DEADLINE)).isTrue();
            POSIX.kill(pid, Signal.SIGKILL);
            assertThat(life.await(o -> letter(o, 'Z'), DEADLINE)).isTrue();
        } finally {
            if (life == null || !letter(life.current(), 'Z')) {
                POSIX.kill(pid, Signal.SIGKILL);
            }
            assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
        }
        life.reaped();
        assertThat(life.isTracking()).isFalse();
        // SIGCONT and SIGKILL wake the process, so a sample may catch it runnable (R) on its way: real, and
        // allowed; every other step must be there, in order.
        List<String> seen = life.transitions().stream().map(t -> t.to().toString())
                .filter(s -> !s.endsWith("(R)")).toList();
        assertThat(seen).containsExactly("BLOCKED(S)", "BLOCKED(T)", "BLOCKED(S)", "TERMINATED(Z)", "TERMINATED(gone)");
        assertThat(life.transitions().get(0).from()).isEqualTo(Lifecycle.Observation.NEW);
        assertThat(life.current()).isEqualTo(Lifecycle.Observation.GONE);
        assertThat(heard).containsExactlyElementsOf(life.transitions());
        for (int i = 1; i < heard.size(); i++) {
            assertThat(heard.get(i).from()).isEqualTo(heard.get(i - 1).to());
            assertThat(heard.get(i).at()).isAfterOrEqualTo(heard.get(i - 1).at());
        }
    }

    @Test
    void busyProcessIsSeenRunningAndAReapedOneGone() throws InterruptedException {
        try (Procs procs = new Procs()) {
            Process busy = procs.start("sh", "-c", "while :; do :; done");
            int pid = (int) busy.pid();
            Kernel.awaitState(pid, 'R');
            try (Lifecycle life = Lifecycle.track(Procs.identity(pid), false)) {
                assertThat(life.await(o -> o.state() == FiveState.RUNNING, DEADLINE)).isTrue();
                busy.destroyForcibly();
                // The JDK reaps its own child: the sampler sees it go, with or without a sampled zombie first.
                assertThat(life.await(o -> o.equals(Lifecycle.Observation.GONE), DEADLINE)).isTrue();
                assertThat(life.isTracking()).isFalse();
                assertThat(life.transitions().get(0).to().kernelState()).isEqualTo(Optional.of(KernelState.RUNNABLE));
            }
        }
    }
}
