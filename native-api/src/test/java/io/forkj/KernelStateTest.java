package io.forkj;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lifecycle table of docs/DESIGN.md, letter by letter. */
class KernelStateTest {

    @Test
    void everyLinuxLetterMapsAsTheTableSays() {
        for (char c : "RSDTtZXxIPKW".toCharArray()) {
            assertThat(KernelState.of(c).letter()).isEqualTo(c);
        }
        assertThat(KernelState.values()).hasSize(12);
        assertThat(KernelState.of('R').threeState(true)).contains(ThreeState.RUNNING);
        assertThat(KernelState.of('R').threeState(false)).contains(ThreeState.READY);
        assertThat(KernelState.of('R').fiveState(true)).isEqualTo(FiveState.RUNNING);
        assertThat(KernelState.of('R').fiveState(false)).isEqualTo(FiveState.READY);
        for (char c : "SDIPKWTt".toCharArray()) {
            for (boolean cpu : new boolean[] {false, true}) {
                assertThat(KernelState.of(c).threeState(cpu)).as("%s", c).contains(ThreeState.BLOCKED);
                assertThat(KernelState.of(c).fiveState(cpu)).as("%s", c).isEqualTo(FiveState.BLOCKED);
            }
        }
        for (char c : "ZXx".toCharArray()) {
            assertThat(KernelState.of(c).threeState(true)).as("%s", c).isEqualTo(Optional.empty());
            assertThat(KernelState.of(c).fiveState(true)).as("%s", c).isEqualTo(FiveState.TERMINATED);
            assertThat(KernelState.of(c).isTerminated()).isTrue();
        }
        assertThat(KernelState.of('T').isStopped()).isTrue();
        assertThat(KernelState.of('t').isStopped()).isTrue();
        assertThat(KernelState.of('S').isStopped()).isFalse();
    }

    @Test
    void unknownLetterIsRefusedNamingIt() {
        assertThatThrownBy(() -> KernelState.of('Q')).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Q'");
    }
}
