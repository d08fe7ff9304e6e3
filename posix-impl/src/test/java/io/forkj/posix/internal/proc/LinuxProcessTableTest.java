package io.forkj.posix.internal.proc;

import io.forkj.KernelState;
import io.forkj.ProcessIdentity;
import io.forkj.ProcessInfo;
import io.forkj.posix.internal.children.KnownChildren;
import io.forkj.ProcessTable;
import io.forkj.ProcessTableProvider;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The /proc reader on this JVM's own entry and on pids that cannot exist. */
class LinuxProcessTableTest {
    private static final int SELF = (int) ProcessHandle.current().pid();
    /** Above the largest pid_max Linux allows (2^22), so no process can have it. */
    private static final int NEVER = (1 << 22) + 1;

    @Test
    void thisJvmIsFoundWithItsIdentityAndStartTime() {
        ProcessInfo self = ProcessTable.process(SELF).orElseThrow();
        assertThat(self.comm()).isEqualTo("java");
        assertThat(self.ppid()).isEqualTo((int) ProcessHandle.current().parent().orElseThrow().pid());
        assertThat(self.startTime()).isCloseTo(ProcessHandle.current().info().startInstant().orElseThrow(),
                within(2, ChronoUnit.SECONDS));
        assertThat(self.startTime()).isBefore(Instant.now());
        assertThat(self.commandLine().orElseThrow()).isNotEmpty();
        assertThat(ProcessTable.snapshot().get(self.identity())).isPresent();
    }

    @Test
    void aPidThatDoesNotExistIsEmptyNotAnError() {
        assertThat(ProcessTable.process(NEVER)).isEmpty();
        assertThat(new LinuxProcessTable().sample(new ProcessIdentity(NEVER, 1))).isEmpty();
        assertThatThrownBy(() -> ProcessTable.process(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pid 0");
    }

    @Test
    void aSampleOfTheSamePidWithAnotherStartTimeIsAnotherProcess() {
        ProcessIdentity self = ProcessTable.process(SELF).orElseThrow().identity();
        ProcessTableProvider.Sample sample = new LinuxProcessTable().sample(self).orElseThrow();
        assertThat(sample.kernelState()).isIn(KernelState.RUNNABLE, KernelState.SLEEPING);
        assertThat(sample.cpuNanos()).isPositive();
        assertThat(new LinuxProcessTable().sample(new ProcessIdentity(SELF, self.startTimeTicks() + 1))).isEmpty();
    }

    @Test
    void recordedParentsDecideAndRecordsOfGoneProcessesArePruned() {
        ProcessIdentity self = ProcessTable.process(SELF).orElseThrow().identity();
        ProcessIdentity gone = new ProcessIdentity(NEVER, 5);
        KnownChildren.record(gone, 1);
        KnownChildren.record(self, NEVER);
        try {
            ProcessTable table = ProcessTable.snapshot();
            assertThat(table.get(SELF).orElseThrow().isOrphan()).as("ppid differs from the recorded parent").isTrue();
            assertThat(KnownChildren.originalParent(gone)).as("pruned by the snapshot").isEmpty();
        } finally {
            KnownChildren.forget(self);
        }
        assertThat(KnownChildren.originalParent(self)).isEmpty();
        assertThatThrownBy(() -> KnownChildren.record(self, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parent pid 0");
    }

    @Test
    void kernelThreadsAreListedWithWhatTheirStatusFilesSayWithoutReadingThem() throws Exception {
        // The snapshot skips a kernel thread's status file; this checks on the running kernel that what it assumes
        // instead (real uid 0, no locked memory) is what those files say.
        ProcessTable table = ProcessTable.snapshot();
        List<Integer> kernelThreads = new ArrayList<>();
        for (ProcessInfo p : table.all()) {
            Path dir = Path.of("/proc", String.valueOf(p.pid()));
            try {
                byte[] stat = Files.readAllBytes(dir.resolve("stat"));
                StatLine line = ProcParser.stat(stat, stat.length);
                if (line.startTime() != p.startTimeTicks() || !line.isKernelThread()) {
                    continue;
                }
                byte[] status = Files.readAllBytes(dir.resolve("status"));
                assertThat(ProcParser.status(status, status.length)).as("status of kernel thread %s", p.pid())
                        .isEqualTo(new StatusFields(0, 0));
            } catch (NoSuchFileException gone) {
                continue;
            }
            kernelThreads.add(p.pid());
            assertThat(p.uid()).isZero();
            assertThat(p.stat()).doesNotContain("L");
        }
        // kthreadd (pid 2, parent 0) is visible unless this runs in its own pid namespace, and then it is one of them
        boolean kthreaddVisible = table.all().stream().anyMatch(p -> p.pid() == 2 && p.ppid() == 0);
        assertThat(kernelThreads.contains(2)).isEqualTo(kthreaddVisible);
    }
}
