package io.forkj;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignalTest {

    @Test
    void numbersAreLinuxGeneric() {
        assertThat(Signal.SIGHUP.number()).isEqualTo(1);
        assertThat(Signal.SIGKILL.number()).isEqualTo(9);
        assertThat(Signal.SIGSEGV.number()).isEqualTo(11);
        assertThat(Signal.SIGTERM.number()).isEqualTo(15);
        assertThat(Signal.SIGCHLD.number()).isEqualTo(17);
        assertThat(Signal.SIGCONT.number()).isEqualTo(18);
        assertThat(Signal.SIGSTOP.number()).isEqualTo(19);
        assertThat(Signal.SIGSYS.number()).isEqualTo(31);
        assertThat(Signal.values()).hasSize(64);
        for (int n = 1; n <= 64; n++) {
            assertThat(Signal.of(n).number()).isEqualTo(n);
        }
    }

    @Test
    void realtimeSignalsByOffsetAndName() {
        assertThat(Signal.realtime(0).number()).isEqualTo(34);
        assertThat(Signal.realtime(30).number()).isEqualTo(64);
        assertThat(Signal.parse("SIGRTMIN+3")).isEqualTo(Signal.of(37));
        assertThat(Signal.parse("SIGRTMAX-1")).isEqualTo(Signal.of(63));
        assertThat(Signal.parse("rtmin")).isEqualTo(Signal.of(34));
        assertThat(Signal.realtime(3).isRealtime()).isTrue();
        assertThat(Signal.SIGTERM.isRealtime()).isFalse();
        assertThatThrownBy(() -> Signal.realtime(31)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("31");
        assertThatThrownBy(() -> Signal.parse("SIGRTMAX+1")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SIGRTMAX+1");
    }

    @Test
    void parseAcceptsNamesAliasesAndNumbers() {
        assertThat(Signal.parse("SIGTERM")).isSameAs(Signal.SIGTERM);
        assertThat(Signal.parse("term")).isSameAs(Signal.SIGTERM);
        assertThat(Signal.parse("15")).isSameAs(Signal.SIGTERM);
        assertThat(Signal.parse("SIGPOLL")).isSameAs(Signal.SIGIO);
        assertThat(Signal.parse("IOT")).isSameAs(Signal.SIGABRT);
        assertThat(Signal.parse("SIGCLD")).isSameAs(Signal.SIGCHLD);
    }

    @Test
    void unknownSignalsAreRefusedWithTheValue() {
        assertThatThrownBy(() -> Signal.of(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> Signal.of(65)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65");
        assertThatThrownBy(() -> Signal.of(-9)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-9");
        assertThatThrownBy(() -> Signal.parse("SIGFOO")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SIGFOO");
        assertThatThrownBy(() -> Signal.parse("99999999999")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("99999999999");
    }

    @Test
    void onlyKillAndStopAreUncatchable() {
        for (Signal s : Signal.values()) {
            assertThat(s.isUncatchable()).as(s.name()).isEqualTo(s == Signal.SIGKILL || s == Signal.SIGSTOP);
        }
    }
}
