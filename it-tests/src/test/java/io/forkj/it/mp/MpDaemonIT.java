package io.forkj.it.mp;

import io.forkj.it.Kernel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * daemon(true) children die with their parent JVM even when it is SIGKILLed (parent-death signal), and survive
 * the end of the thread that started them (the signal follows the creating thread, so forkj starts them from a
 * thread that lives as long as the JVM).
 */
class MpDaemonIT {
    @ParameterizedTest
    @EnumSource(io.forkj.multiprocessing.StartMethod.class)
    void aDaemonChildOutlivesItsStartingThreadAndDiesWithItsSigkilledParent(io.forkj.multiprocessing.StartMethod method)
            throws Exception {
        Process parent = new ProcessBuilder(Kernel.javaCommand(DaemonParentMain.class, method.name()))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int child = -1;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> readLine(out)).get(120, TimeUnit.SECONDS);
            assertThat(first).startsWith("child ");
            child = Integer.parseInt(first.substring(6).trim());
            String second = CompletableFuture.supplyAsync(() -> readLine(out)).get(120, TimeUnit.SECONDS);
            assertThat(second).isEqualTo("thread-ended");
            assertThat(Kernel.ppid(child)).as("the daemon child's parent").contains((int) parent.pid());
            // The starting thread has ended; a parent-death signal tied to it would have been sent at once.
            int c = child;
            assertThat(Kernel.await(Duration.ofSeconds(1), () -> !alive(c))).as("daemon child %d still alive after its starting thread ended", c).isFalse();
            parent.destroyForcibly(); // SIGKILL: no shutdown hook runs in the parent
            assertThat(parent.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(Kernel.await(Duration.ofSeconds(60), () -> !alive(c))).as("daemon child %d dies with its parent", c).isTrue();
        } finally {
            parent.destroyForcibly();
            parent.waitFor(60, TimeUnit.SECONDS);
            if (child > 0 && alive(child)) {
                io.forkj.posix.internal.libc.Native.posix().kill(child, 9);
            }
        }
    }

    /** Alive: present and not a zombie (an orphaned zombie waits for its adopter to reap it). */
    private static boolean alive(int pid) {
        return Kernel.state(pid).map(s -> s != 'Z' && s != 'X').orElse(false);
    }

    private static String readLine(BufferedReader r) {
        try {
            return r.readLine();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
