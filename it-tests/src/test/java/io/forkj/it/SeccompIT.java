package io.forkj.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
        FreshJvm.Result jvm = FreshJvm.run(SeccompMain.class, List.of(), "invalid");
        assertThat(jvm.exitCode()).as("killed by SIGSYS (Java reports 128 + signal): " + jvm.output()).isEqualTo(128 + SIGSYS);
        assertThat(jvm.output()).doesNotContain("survived");
    }

    @Test
    void guardedForksAndADaemonRunUnderTheFilter() throws Exception {
        FreshJvm.Result jvm = FreshJvm.run(SeccompMain.class, List.of(), "forks", dir.resolve("d.pid").toString());
        assertThat(jvm.exitCode()).as(jvm.output()).isZero();
        List<String> lines = jvm.output().trim().lines().toList();
        assertThat(lines.get(lines.size() - 1)).isEqualTo("ok");
        int daemon = Integer.parseInt(lines.get(lines.size() - 2));
        assertThat(RawChild.reap(daemon, Duration.ofSeconds(30)).isTerminated()).as("the stopped daemon").isTrue();
    }
}
