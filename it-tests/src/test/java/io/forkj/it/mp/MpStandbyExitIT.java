package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.it.Subreaper;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JVM that exits normally reaps its idle standby JVMs before it is gone, also one still starting as the
 * replacement of a hand-off: none is left for a subreaper (here the test JVM) or init to adopt. They would exit
 * anyway (parent-death signal, end-of-file), but after their parent, as somebody else's orphans.
 */
@ExtendWith(Subreaper.class)
class MpStandbyExitIT {
    @ParameterizedTest
    @ValueSource(strings = {"idle", "hand-off"})
    void aNormalExitReapsTheStandbyJvmsBeforeTheJvmIsGone(String mode) throws Exception {
        int self = Kernel.self();
        Set<Integer> before = new HashSet<>(Kernel.children(self));
        Process parent = new ProcessBuilder(Kernel.javaCommand(StandbyExitMain.class, mode))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<Integer> adopted = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8));
            assertThat(CompletableFuture.supplyAsync(() -> readLine(out)).get(180, TimeUnit.SECONDS)).isEqualTo("ready");
            List<Integer> standby = Kernel.children((int) parent.pid());
            assertThat(standby).as("the parent's standby JVM").isNotEmpty();
            parent.getOutputStream().close(); // main returns
            assertThat(parent.waitFor(60, TimeUnit.SECONDS)).as("the parent exits").isTrue();
            assertThat(parent.exitValue()).isZero();
            // Reparenting happens as the parent exits, so anything it left is our child by now.
            for (int pid : Kernel.children(self)) {
                if (!before.contains(pid) && pid != parent.pid()) {
                    adopted.add(pid);
                }
            }
            assertThat(adopted).as("processes the exited parent (standby JVMs %s) left to the subreaper", standby).isEmpty();
            for (int pid : standby) {
                assertThat(Kernel.state(pid)).as("standby JVM %d after its parent's exit", pid).isEmpty();
            }
        } finally {
            parent.destroyForcibly();
            parent.waitFor(60, TimeUnit.SECONDS);
            for (int pid : adopted) {
                Native.posix().kill(pid, 9);
                Native.posix().waitpid(pid, new int[1], 0);
            }
        }
    }

    private static String readLine(BufferedReader r) {
        try {
            return r.readLine();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
