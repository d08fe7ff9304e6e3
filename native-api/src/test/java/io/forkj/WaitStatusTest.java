package io.forkj;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WaitStatusTest {

    /** Every 16-bit raw status against glibc's own macros (fixture made by src/test/c/wait_macros.c). */
    @Test
    void macrosMatchGlibcForEverySixteenBitStatus() throws IOException {
        int checked = 0;
        try (InputStream in = getClass().getResourceAsStream("/glibc-wait-macros.txt.gz");
             BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.US_ASCII))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split(" ");
                int raw = Integer.parseInt(f[0], 16);
                String where = "raw 0x" + f[0];
                assertThat(WaitStatus.WIFEXITED(raw)).as(where).isEqualTo(f[1].equals("1"));
                assertThat(WaitStatus.WEXITSTATUS(raw)).as(where).isEqualTo(Integer.parseInt(f[2]));
                assertThat(WaitStatus.WIFSIGNALED(raw)).as(where).isEqualTo(f[3].equals("1"));
                assertThat(WaitStatus.WTERMSIG(raw)).as(where).isEqualTo(Integer.parseInt(f[4]));
                assertThat(WaitStatus.WCOREDUMP(raw)).as(where).isEqualTo(f[5].equals("1"));
                assertThat(WaitStatus.WIFSTOPPED(raw)).as(where).isEqualTo(f[6].equals("1"));
                assertThat(WaitStatus.WSTOPSIG(raw)).as(where).isEqualTo(Integer.parseInt(f[7]));
                assertThat(WaitStatus.WIFCONTINUED(raw)).as(where).isEqualTo(f[8].equals("1"));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(0x10000);
    }

    @Test
    void everyExitCodeDecodesToExited() {
        for (int code = 0; code <= 255; code++) {
            WaitStatus s = WaitStatus.decode(42, code << 8);
            assertThat(s).isEqualTo(new WaitStatus.Exited(42, code));
            assertThat(s.toExitCode()).isEqualTo(code);
            assertThat(s.isTerminated()).isTrue();
            assertThat(WaitStatus.waitstatusToExitcode(code << 8)).isEqualTo(code);
        }
    }

    @Test
    void everySignalWithAndWithoutCoreDecodesToSignaled() {
        for (Signal sig : Signal.values()) {
            int n = sig.number();
            assertThat(WaitStatus.decode(7, n)).isEqualTo(new WaitStatus.Signaled(7, sig, false));
            assertThat(WaitStatus.decode(7, n | 0x80)).isEqualTo(new WaitStatus.Signaled(7, sig, true));
            assertThat(WaitStatus.decode(7, n).toExitCode()).isEqualTo(-n);
            assertThat(WaitStatus.waitstatusToExitcode(n | 0x80)).isEqualTo(-n);
        }
    }

    @Test
    void stoppedAndContinuedHaveNoExitCode() {
        for (Signal sig : Signal.values()) {
            WaitStatus s = WaitStatus.decode(9, (sig.number() << 8) | 0x7f);
            assertThat(s).isEqualTo(new WaitStatus.Stopped(9, sig));
            assertThat(s.isTerminated()).isFalse();
            assertThatThrownBy(s::toExitCode).isInstanceOf(IllegalStateException.class).hasMessageContaining(sig.name());
        }
        WaitStatus c = WaitStatus.decode(9, 0xffff);
        assertThat(c).isEqualTo(new WaitStatus.Continued(9));
        assertThatThrownBy(c::toExitCode).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> WaitStatus.waitstatusToExitcode(0x137f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x137f");
    }

    @Test
    void ptraceEventStopStillDecodesItsSignal() {
        // PTRACE_EVENT_FORK (1) << 16 | SIGTRAP << 8 | 0x7f, as the kernel reports a traced fork.
        assertThat(WaitStatus.decode(3, (1 << 16) | (5 << 8) | 0x7f)).isEqualTo(new WaitStatus.Stopped(3, Signal.SIGTRAP));
    }

    @Test
    void pidZeroIsNoChange() {
        WaitStatus s = WaitStatus.decode(0, 0);
        assertThat(s).isSameAs(WaitStatus.NoChange.INSTANCE);
        assertThat(s.pid()).isZero();
        assertThatThrownBy(s::toExitCode).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void impossibleLayoutIsRefusedWithTheValue() {
        assertThatThrownBy(() -> WaitStatus.decode(5, 0x01ff)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x1ff").hasMessageContaining("pid 5");
    }

    @Test
    void exitedRefusesCodesOutsideAByte() {
        assertThatThrownBy(() -> new WaitStatus.Exited(1, 256)).hasMessageContaining("256");
        assertThatThrownBy(() -> new WaitStatus.Exited(1, -1)).hasMessageContaining("-1");
    }
}
