package io.forkj.it;

import io.forkj.posix.Daemon;
import io.forkj.posix.DaemonSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * forkj's parent side makes only real system calls: a JVM run under a seccomp filter that kills on an invalid
 * number (systemd's {@code SystemCallFilter=} without {@code SystemCallErrorNumber=}) forks guarded children and
 * starts a daemon, both of which rehearse their children's calls in the parent. The daemon is adopted by this
 * subreaper JVM and reaped here.
 */
@ExtendWith(Subreaper.class)
class SeccompIT {
    private static final int SIGSYS = 31;

    @TempDir
    Path dir;

    @Test
    void theFilterKillsAJvmThatMakesAnInvalidSystemCall() throws Exception {
        Process jvm = launch("invalid");
        String output = outputOf(jvm);
        assertThat(jvm.exitValue()).as("killed by SIGSYS (Java reports 128 + signal): " + output).isEqualTo(128 + SIGSYS);
        assertThat(output).doesNotContain("survived");
    }

    @Test
    void guardedForksAndADaemonRunUnderTheFilter() throws Exception {
        Process jvm = launch("forks", dir.resolve("d.pid").toString());
        String output = outputOf(jvm);
        assertThat(jvm.exitValue()).as(output).isZero();
        List<String> lines = output.trim().lines().toList();
        assertThat(lines.get(lines.size() - 1)).isEqualTo("ok");
        int daemon = Integer.parseInt(lines.get(lines.size() - 2));
        assertThat(RawChild.reap(daemon, Duration.ofSeconds(30)).isTerminated()).as("the stopped daemon").isTrue();
    }

    private static Process launch(String... args) throws Exception {
        List<String> command = new ArrayList<>(DaemonSpec.ofThisJvm(SeccompMain.class, args).command());
        command.remove("-D" + Daemon.DAEMONIZED_PROPERTY + "=true");
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static String outputOf(Process jvm) throws Exception {
        String output = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).as("the JVM ends: " + output).isTrue();
        return output;
    }
}
