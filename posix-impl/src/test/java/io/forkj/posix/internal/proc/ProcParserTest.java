package io.forkj.posix.internal.proc;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ProcParser on /proc/PID/stat lines captured from real processes (src/test/resources/proc). */
class ProcParserTest {

    static String fixture(String name) throws IOException {
        try (InputStream in = ProcParserTest.class.getResourceAsStream("/proc/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void nameWithSpacesAndCloseOpenParenthesesEndsAtTheLastParenthesis() throws IOException {
        StatLine s = ProcParser.stat(fixture("stat-paren-space.txt"));
        assertThat(s.pid()).isEqualTo(4100);
        assertThat(s.comm()).isEqualTo("a b) (c");
        assertThat(s.state()).isEqualTo('S');
        assertThat(s.ppid()).isEqualTo(1);
        assertThat(s.pgrp()).isEqualTo(4092);
        assertThat(s.session()).isEqualTo(1082);
        assertThat(s.ttyNr()).isZero();
        assertThat(s.tpgid()).isEqualTo(-1);
        assertThat(s.numThreads()).isEqualTo(1);
        assertThat(s.startTime()).isEqualTo(100924);
        assertThat(s.nice()).isZero();
    }

    @Test
    void nameWithANewline() throws IOException {
        StatLine s = ProcParser.stat(fixture("stat-newline.txt"));
        assertThat(s.pid()).isEqualTo(4103);
        assertThat(s.comm()).isEqualTo("x\ny");
        assertThat(s.state()).isEqualTo('S');
        assertThat(s.startTime()).isEqualTo(100924);
    }

    @Test
    void initWithParentZero() throws IOException {
        StatLine s = ProcParser.stat(fixture("stat-init.txt"));
        assertThat(s.pid()).isEqualTo(1);
        assertThat(s.comm()).isEqualTo("process_api");
        assertThat(s.ppid()).isZero();
        assertThat(s.numThreads()).isEqualTo(13);
    }

    @Test
    void garbageIsRefusedQuotingIt() {
        assertThatThrownBy(() -> ProcParser.stat("hello")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hello");
        assertThatThrownBy(() -> ProcParser.stat("12 (x) S 1 2")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ends early");
        assertThatThrownBy(() -> ProcParser.parseLong("12a")).hasMessageContaining("12a");
        assertThat(ProcParser.parseLong(" -17 ")).isEqualTo(-17);
        assertThat(ProcParser.parseLong("18446744073709551615")).isEqualTo(Long.MAX_VALUE);
    }
}
