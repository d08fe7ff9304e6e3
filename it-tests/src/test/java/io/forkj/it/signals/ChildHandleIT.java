package io.forkj.it.signals;

import io.forkj.FiveState;
import io.forkj.KernelState;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Lifecycle;
import io.forkj.posix.Spawn;
import io.forkj.signals.ExitWatcher;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the lead wired across modules at merge time: {@code Child.lifecycle()} follows the handle's child through
 * the kernel's states to "reaped", and {@code ExitWatcher.watch(Child)} agrees with the handle's own wait.
 * Children are spawned programs, so no forked JVM child can stall these tests.
 */
class ChildHandleIT {

    @Test
    void lifecycleFollowsTheChildUntilTheHandleReapsIt() throws Exception {
        Child child = Spawn.exec("sleep", "30");
        Lifecycle life = child.lifecycle();
        try {
            assertThat(life.await(o -> o.kernelState().equals(Optional.of(KernelState.SLEEPING)), Duration.ofSeconds(10)))
                    .as("sleep seen blocked in S: %s", life.transitions()).isTrue();
            assertThat(life.current().state()).isEqualTo(FiveState.BLOCKED);
            child.kill(Signal.SIGSTOP);
            assertThat(life.await(o -> o.kernelState().equals(Optional.of(KernelState.STOPPED)), Duration.ofSeconds(10)))
                    .as("stopped child seen in T: %s", life.transitions()).isTrue();
        } finally {
            child.kill(Signal.SIGKILL);
        }
        assertThat(child.waitFor()).isEqualTo(new WaitStatus.Signaled(child.pid(), Signal.SIGKILL, false));
        assertThat(life.current()).isEqualTo(Lifecycle.Observation.GONE);
        assertThat(life.transitions().get(life.transitions().size() - 1).to()).isEqualTo(Lifecycle.Observation.GONE);
    }

    @Test
    void watchingAHandleCompletesWithTheStatusTheHandleReports() throws Exception {
        Child child = Spawn.exec("sh", "-c", "exit 5");
        WaitStatus watched = ExitWatcher.shared().watch(child).get(10, TimeUnit.SECONDS);
        assertThat(watched).isEqualTo(new WaitStatus.Exited(child.pid(), 5));
        assertThat(child.status()).contains(watched);
        assertThat(child.waitFor()).isEqualTo(watched);
        assertThat(ExitWatcher.shared().watch(child).get(1, TimeUnit.SECONDS)).as("an already reaped handle").isEqualTo(watched);
    }
}
