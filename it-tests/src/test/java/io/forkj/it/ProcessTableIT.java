package io.forkj.it;

import io.forkj.FiveState;
import io.forkj.KernelState;
import io.forkj.Posix;
import io.forkj.ProcessIdentity;
import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import io.forkj.Signal;
import io.forkj.ThreeState;
import io.forkj.posix.internal.children.KnownChildren;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * ProcessTable against real processes in every state, each checked against what the kernel and {@code ps} say
 * about the same process at the same time.
 */
class ProcessTableIT {
    private final Procs procs = new Procs();

    @BeforeAll
    static void subreaper() {
        Procs.becomeSubreaper();
    }

    @AfterEach
    void cleanUp() {
        procs.close();
    }

    private static int pid(Process p) {
        return (int) p.pid();
    }

    @Test
    void busyProcessIsRunnableAndRunning() {
        int pid = pid(procs.start("sh", "-c", "while :; do :; done"));
        Kernel.awaitState(pid, 'R');
        ProcessInfo p = Procs.row(pid);
        assertThat(p.state()).isEqualTo('R');
        assertThat(p.kernelState()).isEqualTo(KernelState.RUNNABLE);
        // A busy loop is on a CPU for most of any 200 ms, even on a loaded 2-core machine.
        assertThat(ProcessTable.threeState(p, Duration.ofMillis(200))).contains(ThreeState.RUNNING);
        assertThat(ProcessTable.fiveState(p, Duration.ofMillis(200))).isEqualTo(FiveState.RUNNING);
        assertThat(p.isZombie()).isFalse();
        assertThat(p.isOrphan()).isFalse();
        assertThat(p.stat()).isEqualTo(Procs.psStat(pid)).isEqualTo(Procs.inherited("R"));
    }

    @Test
    void threeStatesSamplesManyProcessesInOneWindow() {
        int busy = pid(procs.start("sh", "-c", "while :; do :; done"));
        int sleeper = pid(procs.start("sleep", "30"));
        int stopped = pid(procs.start("sleep", "30"));
        Posix.get().kill(stopped, Signal.SIGSTOP);
        Kernel.awaitState(busy, 'R');
        Kernel.awaitState(sleeper, 'S');
        Kernel.awaitState(stopped, 'T');
        Process gone = procs.start("sleep", "30");
        ProcessInfo goneRow = Procs.row(pid(gone));
        gone.destroyForcibly();
        assertThat(Kernel.await(Duration.ofSeconds(10), () -> !gone.isAlive())).isTrue();
        List<ProcessInfo> rows = List.of(Procs.row(busy), Procs.row(sleeper), Procs.row(stopped), goneRow);
        // One 200 ms window for all four: the busy loop is on a CPU for most of it, as in the single-process test.
        List<Optional<ThreeState>> states = ProcessTable.threeStates(rows, Duration.ofMillis(200));
        assertThat(states).containsExactly(Optional.of(ThreeState.RUNNING), Optional.of(ThreeState.BLOCKED),
                Optional.of(ThreeState.BLOCKED), Optional.empty());
        assertThat(ProcessTable.threeStates(List.of(), Duration.ofMillis(10))).isEmpty();
    }

    @Test
    void sleepingProcessIsBlocked() {
        int pid = pid(procs.start("sleep", "30"));
        Kernel.awaitState(pid, 'S');
        ProcessInfo p = Procs.row(pid);
        assertThat(p.kernelState()).isEqualTo(KernelState.SLEEPING);
        assertThat(ProcessTable.threeState(p)).contains(ThreeState.BLOCKED);
        assertThat(ProcessTable.fiveState(p)).isEqualTo(FiveState.BLOCKED);
        assertThat(p.isZombie()).isFalse();
        assertThat(p.isOrphan()).isFalse();
        assertThat(p.stat()).isEqualTo(Procs.psStat(pid)).isEqualTo(Procs.inherited("S"));
        assertThat(p.ppid()).isEqualTo(Kernel.self());
        assertThat(p.comm()).isEqualTo("sleep");
        assertThat(p.uid()).isEqualTo(Kernel.uid());
        assertThat(p.threads()).isEqualTo(1);
        assertThat(p.startTime()).isCloseTo(Instant.now(), within(20, ChronoUnit.SECONDS));
        assertThat(ProcessTable.process(pid).orElseThrow().commandLine()).contains(List.of("sleep", "30"));
    }

    @Test
    void stoppedProcessIsBlockedAndSuspended() {
        int pid = pid(procs.start("sleep", "30"));
        Posix.get().kill(pid, Signal.SIGSTOP);
        Kernel.awaitState(pid, 'T');
        ProcessInfo p = Procs.row(pid);
        assertThat(p.kernelState()).isEqualTo(KernelState.STOPPED);
        assertThat(p.kernelState().isStopped()).isTrue();
        assertThat(ProcessTable.threeState(p)).contains(ThreeState.BLOCKED);
        assertThat(ProcessTable.fiveState(p)).isEqualTo(FiveState.BLOCKED);
        assertThat(p.stat()).isEqualTo(Procs.psStat(pid)).isEqualTo(Procs.inherited("T"));
    }

    @Test
    void zombieIsTerminatedAndNamesTheParentThatDoesNotReapIt() {
        // sh forks "sleep 0" and then becomes "sleep 30", which never waits: the exited child stays a zombie.
        Process parent = procs.start("sh", "-c", "sleep 0 & exec sleep 30");
        int parentPid = pid(parent);
        assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.children(parentPid).size() == 1)).isTrue();
        int zombie = Kernel.children(parentPid).get(0);
        procs.adopt(zombie);
        Kernel.awaitState(zombie, 'Z');
        assertThat(Kernel.await(Duration.ofSeconds(10), () -> Procs.row(parentPid).comm().equals("sleep"))).isTrue();

        ProcessTable table = ProcessTable.snapshot();
        ProcessInfo z = table.get(zombie).orElseThrow();
        assertThat(z.isZombie()).isTrue();
        assertThat(z.kernelState()).isEqualTo(KernelState.ZOMBIE);
        assertThat(ProcessTable.threeState(z)).isEmpty();
        assertThat(ProcessTable.fiveState(z)).isEqualTo(FiveState.TERMINATED);
        assertThat(z.stat()).isEqualTo(Procs.psStat(zombie)).isEqualTo(Procs.inherited("Z"));
        assertThat(z.isOrphan()).isFalse();
        ProcessTable.Zombie entry = table.zombies().stream().filter(e -> e.process().pid() == zombie).findFirst().orElseThrow();
        assertThat(entry.parentPid()).isEqualTo(parentPid);
        assertThat(entry.parentComm()).isEqualTo("sleep");
        assertThat(table.children(parentPid)).extracting(ProcessInfo::pid).containsExactly(zombie);
    }

    @Test
    void grandchildOfAnExitedParentInAnotherSessionIsAnOrphanByTheSessionRule() {
        // setsid gives sh a session of its own; sh starts sleep and exits; this JVM, a subreaper, adopts sleep.
        Process sh = procs.start("setsid", "sh", "-c", "sleep 30 & echo $!");
        int orphan = Integer.parseInt(Procs.firstLine(sh).trim());
        procs.adopt(orphan);
        assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.ppid(orphan).orElse(0) == Kernel.self())).isTrue();
        Kernel.awaitState(orphan, 'S');

        ProcessTable table = ProcessTable.snapshot();
        ProcessInfo p = table.get(orphan).orElseThrow();
        assertThat(p.isOrphan()).isTrue();
        assertThat(table.orphans()).contains(p);
        assertThat(p.sid()).isNotEqualTo(table.get(Kernel.self()).orElseThrow().sid()).isNotEqualTo(p.pid());
        assertThat(p.stat()).isEqualTo(Procs.psStat(orphan)).isEqualTo(Procs.inherited("S"));
        assertThat(table.children(Kernel.self())).contains(p);
    }

    @Test
    void recordedOriginalParentMakesOrphansExactEvenInTheSameSession() throws IOException {
        // No setsid: the orphan stays in this JVM's session, where the session rule cannot see it.
        Process sh = procs.start("sh", "-c", "sleep 30 & echo $!; read line");
        int shPid = pid(sh);
        int orphan = Integer.parseInt(Procs.firstLine(sh).trim());
        procs.adopt(orphan);
        ProcessIdentity id = Procs.identity(orphan);
        KnownChildren.record(id, shPid);
        try {
            assertThat(Procs.row(orphan).isOrphan()).as("parent still alive").isFalse();
            try (OutputStream in = sh.getOutputStream()) {
                in.write('\n');
            }
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.ppid(orphan).orElse(0) == Kernel.self())).isTrue();
            assertThat(Procs.row(orphan).isOrphan()).isTrue();
            assertThat(ProcessTable.process(orphan).orElseThrow().isOrphan()).isTrue();
        } finally {
            KnownChildren.forget(id);
        }
        // The documented limit: without the record, an orphan adopted by a subreaper in its own session looks
        // like an ordinary child.
        assertThat(Procs.row(orphan).isOrphan()).isFalse();
    }

    @Test
    void nameWithCloseOpenParenthesisIsReadWhole(@TempDir Path dir) throws IOException {
        Path exe = dir.resolve("a) (b");
        Files.copy(Path.of("/bin/sleep"), exe);
        exe.toFile().setExecutable(true);
        int pid = pid(procs.start(exe.toString(), "30"));
        Kernel.awaitState(pid, 'S');
        assertThat(Kernel.await(Duration.ofSeconds(10), () -> Procs.row(pid).comm().equals("a) (b"))).isTrue();
        ProcessInfo p = Procs.row(pid);
        assertThat(p.kernelState()).isEqualTo(KernelState.SLEEPING);
        assertThat(p.ppid()).isEqualTo(Kernel.self());
        assertThat(p.stat()).isEqualTo(Procs.psStat(pid)).isEqualTo(Procs.inherited("S"));
    }

    @Test
    void statModifiersMatchPs() {
        int niced = pid(procs.start("nice", "-n", "5", "sleep", "30"));
        int leader = pid(procs.start("setsid", "sleep", "30"));
        int favoured = pid(procs.start("nice", "-n", "-5", "sleep", "30"));
        for (int pid : new int[] {niced, leader, favoured}) {
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> Procs.row(pid).comm().equals("sleep"))).isTrue();
            Kernel.awaitState(pid, 'S');
            assertThat(Procs.row(pid).stat()).as("pid %d", pid).isEqualTo(Procs.psStat(pid));
        }
        assertThat(Procs.row(niced).stat()).isEqualTo("SN");
        assertThat(Procs.row(leader).stat()).isEqualTo(Procs.inherited("Ss"));
        if (Kernel.uid() == 0 && !Procs.jvmNiced()) {
            assertThat(Procs.row(favoured).stat()).isEqualTo("S<");
        }
    }

    @Test
    void treeChildrenAndDescendantsFollowTheParentPids() {
        Process sh = procs.start("sh", "-c", "sleep 30 & sleep 31 & wait");
        int shPid = pid(sh);
        assertThat(Kernel.await(Duration.ofSeconds(10), () -> ProcessTable.snapshot().children(shPid).size() == 2)).isTrue();
        ProcessTable table = ProcessTable.snapshot();
        List<Integer> kids = table.children(shPid).stream().map(ProcessInfo::pid).collect(Collectors.toList());
        kids.forEach(procs::adopt); // killing sh hands them to this JVM
        assertThat(kids).containsExactlyInAnyOrderElementsOf(Kernel.children(shPid));
        assertThat(table.descendants(Kernel.self())).extracting(ProcessInfo::pid).contains(shPid).containsAll(kids);
        ProcessTable.Node node = table.tree(shPid).orElseThrow();
        assertThat(node.children()).extracting(n -> n.process().pid()).containsExactlyElementsOf(kids);
        boolean underInit = table.tree().stream().anyMatch(root -> contains(root, shPid));
        assertThat(underInit).isTrue();
    }

    private static boolean contains(ProcessTable.Node node, int pid) {
        return node.process().pid() == pid || node.children().stream().anyMatch(c -> contains(c, pid));
    }

    @Test
    void snapshotHoldsEveryProcessPsSeesBeforeAndAfterIt() {
        Set<Integer> before = psPids();
        ProcessTable table = ProcessTable.snapshot(ProcessTable.Detail.COMMAND_LINE);
        Set<Integer> after = psPids();
        before.retainAll(after);
        Set<Integer> ours = table.all().stream().map(ProcessInfo::pid).collect(Collectors.toSet());
        assertThat(ours).containsAll(before);
        ProcessInfo self = table.get(Kernel.self()).orElseThrow();
        assertThat(self.comm()).isEqualTo("java");
        assertThat(self.ppid()).isEqualTo(Posix.get().getppid());
        assertThat(self.threads()).isGreaterThan(1);
        assertThat(self.stat()).contains("l");
        assertThat(self.commandLine().orElseThrow().get(0)).endsWith("java");
        assertThat(self.startTime()).isCloseTo(ProcessHandle.current().info().startInstant().orElseThrow(),
                within(2, ChronoUnit.SECONDS));
        assertThat(ProcessTable.snapshot().get(Kernel.self()).orElseThrow().commandLine()).isEmpty();
    }

    private static Set<Integer> psPids() {
        return Arrays.stream(Procs.run("ps", "-e", "-o", "pid=").trim().split("\\s+"))
                .map(Integer::parseInt).collect(Collectors.toCollection(HashSet::new));
    }

    @Test
    void processesExitingDuringTheScanAreSkippedNeverAnError() {
        Process churn = procs.start("sh", "-c", "for i in $(seq 400); do /bin/true & done; wait");
        int snapshots = 0;
        while (churn.isAlive() || snapshots < 5) {
            assertThat(ProcessTable.snapshot().all()).isNotEmpty();
            snapshots++;
        }
        assertThat(snapshots).isGreaterThanOrEqualTo(5);
    }
}
