package io.forkj;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 11: with only forkj-native-api on the class path (as in this module's tests: forkj-posix is not a
 * dependency), every call, not only the first, throws the IllegalStateException the javadoc promises.
 */
class NoImplementationTest {

    @Test
    void theTestClassPathHasNoImplementation() {
        assertThat(getClass().getClassLoader().getResource("META-INF/services/io.forkj.Posix")).isNull();
        assertThat(getClass().getClassLoader().getResource("META-INF/services/io.forkj.ProcessTableProvider")).isNull();
    }

    @RepeatedTest(3)
    void posixGetThrowsIllegalStateOnEveryCall() {
        for (int call = 0; call < 3; call++) {
            assertThatThrownBy(Posix::get).isExactlyInstanceOf(IllegalStateException.class)
                    .hasMessage("no io.forkj.Posix implementation on the class path: add io.forkj:forkj-posix");
        }
    }

    @RepeatedTest(3)
    void everyProcessTableEntryPointThrowsIllegalStateOnEveryCall() {
        String message = "no io.forkj.ProcessTableProvider implementation on the class path: add io.forkj:forkj-posix";
        for (int call = 0; call < 3; call++) {
            assertThatThrownBy(ProcessTable::snapshot).isExactlyInstanceOf(IllegalStateException.class).hasMessage(message);
            assertThatThrownBy(() -> ProcessTable.snapshot(ProcessTable.Detail.COMMAND_LINE))
                    .isExactlyInstanceOf(IllegalStateException.class).hasMessage(message);
            assertThatThrownBy(() -> ProcessTable.process(1)).isExactlyInstanceOf(IllegalStateException.class).hasMessage(message);
        }
    }
}
