package io.forkj.posix.internal.children;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Which pids a thread of this JVM waits for, read from the threads' syscall files, against the JDK's own reaper. */
class AwaitedPidsTest {
    private static boolean within(long millis, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() - end < 0) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(5);
        }
        return condition.getAsBoolean();
    }

    @Test
    void theJdksReaperThreadIsSeenWaitingForItsChildUntilTheChildIsReaped() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        int pid = (int) sleeper.pid();
        try {
            // The JDK's "process reaper" thread blocks in waitpid(pid, &status, 0) for the child's whole life.
            assertThat(within(10_000, () -> AwaitedPids.now().contains(pid)))
                    .as("a thread in wait4(%d) among %s", pid, AwaitedPids.now()).isTrue();
        } finally {
            sleeper.destroyForcibly();
            assertThat(sleeper.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(within(10_000, () -> !AwaitedPids.now().contains(pid))).as("reaped: nobody waits for %d", pid).isTrue();
    }
}
