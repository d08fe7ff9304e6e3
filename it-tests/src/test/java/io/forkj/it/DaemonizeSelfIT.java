package io.forkj.it;

import io.forkj.WaitStatus;
import io.forkj.posix.Daemon;
import io.forkj.posix.DaemonSpec;
import io.forkj.posix.DaemonStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A Java program relaunches itself as a daemon JVM: same java, options, class path and main class, plus the marker. */
@ExtendWith(Subreaper.class)
class DaemonizeSelfIT {
    @TempDir
    Path dir;

    @Test
    void aProgramDaemonizesItselfAsAFreshJvm() throws Exception {
        Path pidFile = dir.resolve("self.pid");
        List<String> launch = new ArrayList<>(DaemonSpec.ofThisJvm(SelfDaemonMain.class, pidFile.toString()).command());
        launch.remove("-D" + Daemon.DAEMONIZED_PROPERTY + "=true"); // the program starts undaemonized
        Process launcher = new ProcessBuilder(launch).redirectErrorStream(true).start();
        assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).as("the launcher JVM returns").isTrue();
        String output = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(launcher.exitValue()).as(output).isZero();
        int pid = Integer.parseInt(output.trim().lines().reduce((a, b) -> b).orElseThrow());
        try {
            assertThat(Files.readString(pidFile)).isEqualTo(pid + "\n");
            assertThat(Daemon.status(pidFile).state()).isEqualTo(DaemonStatus.State.RUNNING);
            String[] stat = Kernel.stat(pid).orElseThrow();
            assertThat(Integer.parseInt(stat[1])).as("adopted by the subreaper").isEqualTo(Kernel.self());
            assertThat(Integer.parseInt(stat[3])).as("not a session leader").isNotEqualTo(pid);
            assertThat(cmdline(pid)).contains("-D" + Daemon.DAEMONIZED_PROPERTY + "=true", SelfDaemonMain.class.getName(),
                    pidFile.toString(), "-cp");
            assertThat(cmdline(pid).get(0)).isEqualTo(ProcessHandle.current().info().command().orElseThrow());
        } finally {
            assertThat(Daemon.stop(pidFile, Duration.ofSeconds(30))).isTrue();
        }
        assertThat(RawChild.reap(pid, Duration.ofSeconds(30)).isTerminated()).isTrue();
        assertThat(pidFile).doesNotExist();
    }

    @Test
    void daemonizeSelfRefusesASpecForAnotherProgram() {
        assertThatThrownBy(() -> Daemon.daemonizeSelf(DaemonSpec.of("sleep", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("daemonizeSelf needs a spec from DaemonSpec.ofThisJvm(mainClass, args), got the command [sleep, 1]");
        assertThat(Daemon.isDaemonized()).isFalse();
    }

    private static List<String> cmdline(int pid) throws IOException {
        return List.of(Files.readString(Path.of("/proc", "" + pid, "cmdline")).split("\0"));
    }
}
