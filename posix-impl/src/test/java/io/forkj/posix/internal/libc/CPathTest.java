package io.forkj.posix.internal.libc;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CPathTest {
    private static final byte[] PROC = "/proc/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STAT = "/stat\0".getBytes(StandardCharsets.US_ASCII);

    @Test
    void writesTheDigitsBetweenPrefixAndSuffix() {
        assertThat(CPath.numbered(PROC, 0, STAT)).isEqualTo("/proc/0/stat\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(CPath.numbered(PROC, 9, STAT)).isEqualTo("/proc/9/stat\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(CPath.numbered(PROC, 10, STAT)).isEqualTo("/proc/10/stat\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(CPath.numbered(PROC, 4194304, STAT)).isEqualTo("/proc/4194304/stat\0".getBytes(StandardCharsets.US_ASCII));
        assertThat(CPath.numbered(PROC, Long.MAX_VALUE, new byte[] {0}))
                .isEqualTo(("/proc/" + Long.MAX_VALUE + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void refusesANegativeNumberAndASuffixWithoutNul() {
        assertThatThrownBy(() -> CPath.numbered(PROC, -1, STAT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1").hasMessageContaining("negative");
        assertThatThrownBy(() -> CPath.numbered(PROC, 1, "/stat".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> CPath.numbered(PROC, 1, new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
