package io.forkj.posix;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DaemonSpec defaults, the environment allow-list, and the rules bad values break. */
class DaemonSpecTest {
    @Test
    void defaultsFollowDaemon7() {
        DaemonSpec spec = DaemonSpec.of("sleep", "600").notifySocket(null);
        assertThat(spec.directory()).isEqualTo(Path.of("/"));
        assertThat(spec.umask()).isEqualTo(022);
        assertThat(spec.pidFile()).isNull();
        assertThat(spec.log()).isNull();
        assertThat(spec.uid()).isEqualTo(-1);
        assertThat(spec.environmentAllowList()).isEqualTo(DaemonSpec.DEFAULT_ALLOW_LIST);
        assertThat(spec.readyTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    @SuppressWarnings("deprecation")
    void theFormerWithNamesBuildTheSameSpec() {
        Path dir = Path.of("/tmp");
        DaemonSpec current = DaemonSpec.of("x").pidFile(Path.of("/tmp/p")).log(Path.of("/tmp/l")).directory(dir)
                .umask(027).environmentAllowList(Set.of("PATH")).environment("A", "b").user(1, 2)
                .readyTimeout(Duration.ofSeconds(3)).notifySocket("@n");
        DaemonSpec former = DaemonSpec.of("x").withPidFile(Path.of("/tmp/p")).withLog(Path.of("/tmp/l"))
                .withWorkingDirectory(dir).withUmask(027).withEnvironmentAllowList(Set.of("PATH"))
                .withEnvironment("A", "b").withUser(1, 2).withReadyTimeout(Duration.ofSeconds(3)).withNotifySocket("@n");
        assertThat(former).isEqualTo(current);
        assertThat(current.workingDirectory()).isEqualTo(dir).isEqualTo(current.directory());
        assertThat(current.uid()).isEqualTo(1);
        assertThat(current.gid()).isEqualTo(2);
        assertThat(current.notifySocket()).isEqualTo("@n");
    }

    @Test
    void theEnvironmentIsTheAllowListedVariablesThenTheExplicitOnes() {
        DaemonSpec spec = DaemonSpec.of("x").environmentAllowList(Set.of("PATH", "TZ"))
                .environment("TZ", "UTC").environment("MODE", "daemon");
        Map<String, String> launcher = Map.of("PATH", "/bin", "TZ", "Europe/Paris", "AWS_SECRET_ACCESS_KEY", "x",
                "LD_PRELOAD", "/evil.so");
        assertThat(spec.daemonEnvironment(launcher))
                .containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of("MODE", "daemon", "PATH", "/bin", "TZ", "UTC")));
    }

    @Test
    void badValuesAreRefusedNamingTheValueAndTheRule() {
        assertThatThrownBy(() -> DaemonSpec.of()).hasMessage("daemon command is empty: it needs at least the program to run");
        assertThatThrownBy(() -> DaemonSpec.of("")).hasMessage("daemon program name is empty");
        assertThatThrownBy(() -> DaemonSpec.of("a\0b"))
                .hasMessage("command argument 'a?b' contains a NUL character, which a C string cannot hold");
        assertThatThrownBy(() -> DaemonSpec.of("x").umask(01000)).hasMessage("umask 01000 (512) is outside 0..0777");
        assertThatThrownBy(() -> DaemonSpec.of("x").umask(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DaemonSpec.of("x").environment("A=B", "c"))
                .hasMessage("environment variable name 'A=B' must be non-empty and hold no '='");
        assertThatThrownBy(() -> DaemonSpec.of("x").user(-2, 0))
                .hasMessage("uid -2 / gid 0: ids must be >= 0, or -1 to keep the launcher's");
        assertThatThrownBy(() -> DaemonSpec.of("x").readyTimeout(Duration.ZERO))
                .hasMessage("ready timeout PT0S must be positive");
        assertThatThrownBy(() -> DaemonSpec.of("x").notifySocket("run/notify"))
                .hasMessage("notify socket 'run/notify' must be an absolute path or @abstract-name, as in systemd's NOTIFY_SOCKET");
    }
}
