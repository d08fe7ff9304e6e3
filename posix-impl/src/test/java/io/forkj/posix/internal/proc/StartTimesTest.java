package io.forkj.posix.internal.proc;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A start time known from the clock around a process's creation: the arithmetic, then the kernel's own answer. */
class StartTimesTest {
    private static final long TICK = 10_000_000L;

    @Test
    void readingsInOneTickGiveThatTickAndAnyOtherPairGivesNone() {
        assertThat(StartTimes.bracketed(5 * TICK, 5 * TICK + TICK - 1, TICK)).isEqualTo(5);
        assertThat(StartTimes.bracketed(5 * TICK + 7, 5 * TICK + 7, TICK)).isEqualTo(5);
        assertThat(StartTimes.bracketed(6 * TICK - 1, 6 * TICK, TICK)).as("across a tick boundary").isEqualTo(-1);
        assertThat(StartTimes.bracketed(6 * TICK, 5 * TICK, TICK)).as("after before before").isEqualTo(-1);
        assertThat(StartTimes.bracketed(-1, 5 * TICK, TICK)).as("a failed reading").isEqualTo(-1);
        assertThat(StartTimes.bracketed(5 * TICK, 5 * TICK, 0)).as("no whole number of ticks per second").isEqualTo(-1);
    }

    @Test
    void theClockIsTheOneProcDatesAProcessWith() throws Exception {
        List<Process> children = new ArrayList<>();
        int bracketed = 0;
        try {
            for (int i = 0; i < 40; i++) {
                long before = StartTimes.bootNanos();
                Process child = new ProcessBuilder("sleep", "60").start();
                long after = StartTimes.bootNanos();
                children.add(child);
                long ticks = StartTimes.bracketed(before, after);
                if (ticks >= 0) {
                    bracketed++;
                    assertThat(ticks).as("pid %d: the bracket's tick against /proc/PID/stat field 22", child.pid())
                            .isEqualTo(ProcStat.startTime((int) child.pid()));
                }
            }
        } finally {
            for (Process child : children) {
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        }
        // A start takes about a millisecond and a tick is 10 ms: most brackets fit in one (30-32 of 40 in 5 JVMs
        // here). The bound is low so that a slow machine passes; a clock that never brackets fails it.
        assertThat(bracketed).as("starts bracketed within one tick, of 40").isGreaterThanOrEqualTo(10);
    }
}
