package io.forkj.posix.internal.daemon;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The fd ranges the first child closes: everything from 3 up except the readiness pipe and the pid file. */
class ChildPlanTest {
    private static long[] ranges(int readyFd, int pidFd) {
        return ChildPlan.forDaemon(readyFd, pidFd, null, 0, 022, "/", -1, -1, new int[0], "/bin/true",
                List.of("true"), List.of()).closeRanges;
    }

    @Test
    void keepsExactlyThePipeAndThePidFile() {
        assertThat(ranges(7, 4)).containsExactly(3, 3, 5, 6, 8, ChildPlan.CLOSE_RANGE_MAX);
        assertThat(ranges(4, -1)).containsExactly(3, 3, 5, ChildPlan.CLOSE_RANGE_MAX);
    }

    @Test
    void adjacentAndLowFdsLeaveNoEmptyRange() {
        assertThat(ranges(3, 4)).containsExactly(5, ChildPlan.CLOSE_RANGE_MAX);
        assertThat(ranges(5, 4)).containsExactly(3, 3, 6, ChildPlan.CLOSE_RANGE_MAX);
        assertThat(ranges(1, -1)).as("fds 0-2 are never closed").containsExactly(3, ChildPlan.CLOSE_RANGE_MAX);
    }
}
