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
        DaemonSpec spec = DaemonSpec.of("sleep", "600").withNotifySocket(null);
        assertThat(spec.workingDirectory()).isEqualTo(Path.of("/"));
        assertThat(spec.umask()).isEqualTo(022);
        assertThat(spec.pidFile()).isNull();
        assertThat(spec.log()).isNull();
        assertThat(spec.uid()).isEqualTo(-1);
        assertThat(spec.environmentAllowList()).isEqualTo(DaemonSpec.DEFAULT_ALLOW_LIST);
        assertThat(spec.readyTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void theEnvironmentIsTheAllowListedVariablesThenTheExplicitOnes() {
        DaemonSpec spec = DaemonSpec.of("x").withEnvironmentAllowList(Set.of("PATH", "TZ"))
                .withEnvironment("TZ", "UTC").withEnvironment("MODE", "daemon");
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
        assertThatThrownBy(() -> DaemonSpec.of("x").withUmask(01000)).hasMessage("umask 01000 (512) is outside 0..0777");
        assertThatThrownBy(() -> DaemonSpec.of("x").withUmask(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DaemonSpec.of("x").withEnvironment("A=B", "c"))
                .hasMessage("environment variable name 'A=B' must be non-empty and hold no '='");
        assertThatThrownBy(() -> DaemonSpec.of("x").withUser(-2, 0))
                .hasMessage("uid -2 / gid 0: ids must be >= 0, or -1 to keep the launcher's");
        assertThatThrownBy(() -> DaemonSpec.of("x").withReadyTimeout(Duration.ZERO))
                .hasMessage("ready timeout PT0S must be positive");
        assertThatThrownBy(() -> DaemonSpec.of("x").withNotifySocket("run/notify"))
                .hasMessage("notify socket 'run/notify' must be an absolute path or @abstract-name, as in systemd's NOTIFY_SOCKET");
    }
}
