package io.forkj.posix.internal.children;

import io.forkj.posix.internal.libc.Native;

import io.forkj.ProcessIdentity;
import io.forkj.posix.internal.proc.ProcStat;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The one registry of original parents: what it knows, and the one pruning rule, on a real child process. */
class KnownChildrenTest {
    private static final int SELF = Native.posix().getpid();

    @Test
    void aRecordedChildIsKnownUntilItIsGoneAndARecycledPidIsNot() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        int pid = (int) sleeper.pid();
        long start = ProcStat.startTime(pid);
        assertThat(start).isPositive();
        ProcessIdentity child = new ProcessIdentity(pid, start);
        try {
            KnownChildren.forked(child);
            assertThat(KnownChildren.isKnown(pid, start)).isTrue();
            assertThat(KnownChildren.originalParent(child)).hasValue(SELF);
            assertThat(KnownChildren.originalParent(new ProcessIdentity(pid, start + 1))).as("another process, same pid").isEmpty();
            KnownChildren.prune();
            assertThat(KnownChildren.isKnown(pid, start)).as("alive: prune keeps it").isTrue();
        } finally {
            sleeper.destroyForcibly();
            assertThat(sleeper.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        KnownChildren.prune();
        assertThat(KnownChildren.originalParent(child)).as("reaped by the JDK: prune drops it").isEmpty();
        assertThat(KnownChildren.isKnown(pid, start)).isFalse();
    }

    @Test
    void aProcessBornToAnotherParentHasAnOriginalParentButIsNotOurs() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        int pid = (int) sleeper.pid();
        ProcessIdentity process = new ProcessIdentity(pid, ProcStat.startTime(pid));
        try {
            KnownChildren.record(process, 1);
            assertThat(KnownChildren.originalParent(process)).hasValue(1);
            assertThat(KnownChildren.isKnown(pid, process.startTimeTicks())).isFalse();
            KnownChildren.forget(process);
            assertThat(KnownChildren.originalParent(process)).isEmpty();
        } finally {
            sleeper.destroyForcibly();
            assertThat(sleeper.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aStaleEntryForARecycledPidIsDroppedWhenAsked() {
        ProcessIdentity stale = new ProcessIdentity(SELF, 1);
        KnownChildren.record(stale, SELF);
        assertThat(KnownChildren.isKnown(SELF, 2)).as("same pid, another start time").isFalse();
        assertThat(KnownChildren.originalParent(stale)).as("dropped by that question").isEmpty();
    }
}
