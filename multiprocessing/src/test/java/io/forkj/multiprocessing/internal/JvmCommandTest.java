package io.forkj.multiprocessing.internal;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JvmCommandTest {
    @Test
    void aChildCommandRunsChildMainWithThisClassPathAndResetsSignals() {
        List<String> cmd = JvmCommand.child(ChildMain.MODE_SPAWN, "1", "MainProcess", "-");
        assertThat(cmd.get(0)).endsWith("java");
        assertThat(cmd).contains("-Xrs", "-cp", System.getProperty("java.class.path"), ChildMain.class.getName());
        assertThat(cmd.subList(cmd.size() - 4, cmd.size())).containsExactly(ChildMain.MODE_SPAWN, "1", "MainProcess", "-");
        assertThat(cmd).noneMatch(o -> o.startsWith("-agentlib:jdwp") || o.startsWith("-Xshare"));
    }

    @Test
    void debuggerAndSharingOptionsAreNotInherited() {
        assertThat(JvmCommand.filter(List.of("-Xmx64m", "-agentlib:jdwp=transport=dt_socket,server=y", "-Xshare:auto",
                "-XX:SharedArchiveFile=/x.jsa", "-Dfoo=bar", "--add-opens=java.base/java.lang=ALL-UNNAMED", "-Xrs")))
                .containsExactly("-Xmx64m", "-Dfoo=bar", "--add-opens=java.base/java.lang=ALL-UNNAMED");
    }
}
