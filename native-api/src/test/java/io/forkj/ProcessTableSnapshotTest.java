package io.forkj;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tree, children, descendants, zombies and orphans from one parent index, on hand-made rows. */
class ProcessTableSnapshotTest {

    static ProcessInfo row(int pid, int ppid, int sid, char state, boolean orphan) {
        return new ProcessInfo(new ProcessIdentity(pid, pid * 10L), ppid, pid, sid, 0, -1, "p" + pid, Optional.empty(),
                0, KernelState.of(state), String.valueOf(state), Instant.EPOCH, 1, 0, orphan);
    }

    //  1 ─┬─ 10 ─┬─ 11 ─── 12
    //     │      └─ 13 (Z)
    //     └─ 20 (orphan)
    //  2 ─── 30
    private final ProcessTable table = ProcessTable.of(Instant.EPOCH, List.of(
            row(20, 1, 20, 'S', true), row(1, 0, 1, 'S', false), row(10, 1, 10, 'S', false),
            row(11, 10, 10, 'R', false), row(12, 11, 10, 'T', false), row(13, 10, 10, 'Z', false),
            row(2, 0, 0, 'S', false), row(30, 2, 0, 'I', false)));

    private static List<Integer> pids(List<ProcessInfo> rows) {
        return rows.stream().map(ProcessInfo::pid).toList();
    }

    @Test
    void rowsAreByPidAndFoundByPidOrIdentity() {
        assertThat(pids(table.all())).containsExactly(1, 2, 10, 11, 12, 13, 20, 30);
        assertThat(table.get(11).map(ProcessInfo::comm)).contains("p11");
        assertThat(table.get(99)).isEmpty();
        assertThat(table.get(new ProcessIdentity(11, 110))).isPresent();
        assertThat(table.get(new ProcessIdentity(11, 111))).as("recycled pid").isEmpty();
    }

    @Test
    void childrenAndDescendantsComeFromTheParentIndex() {
        assertThat(pids(table.children(1))).containsExactly(10, 20);
        assertThat(pids(table.children(10))).containsExactly(11, 13);
        assertThat(pids(table.children(12))).isEmpty();
        assertThat(pids(table.children(0))).isEmpty();
        assertThat(pids(table.descendants(1))).containsExactly(10, 20, 11, 13, 12);
        assertThat(pids(table.descendants(99))).isEmpty();
    }

    @Test
    void treeHasOneRootPerProcessWithoutAParentInTheTable() {
        List<ProcessTable.Node> roots = table.tree();
        assertThat(roots).extracting(n -> n.process().pid()).containsExactly(1, 2);
        ProcessTable.Node ten = roots.get(0).children().get(0);
        assertThat(ten.process().pid()).isEqualTo(10);
        assertThat(ten.children()).extracting(n -> n.process().pid()).containsExactly(11, 13);
        assertThat(ten.children().get(0).children().get(0).process().pid()).isEqualTo(12);
        assertThat(table.tree(11).orElseThrow().children()).hasSize(1);
    }

    @Test
    void zombiesNameTheirParentAndOrphansAreTheFlaggedRows() {
        assertThat(table.zombies()).hasSize(1);
        ProcessTable.Zombie z = table.zombies().get(0);
        assertThat(z.process().pid()).isEqualTo(13);
        assertThat(z.parentPid()).isEqualTo(10);
        assertThat(z.parentComm()).isEqualTo("p10");
        assertThat(pids(table.orphans())).containsExactly(20);
    }

    @Test
    void aParentLoopFromARecycledPidStaysFinite() {
        ProcessTable loop = ProcessTable.of(Instant.EPOCH, List.of(row(5, 6, 5, 'S', false), row(6, 5, 5, 'S', false)));
        assertThat(pids(loop.descendants(5))).containsExactly(6);
        assertThat(loop.tree(5).orElseThrow().children()).hasSize(1);
    }

    @Test
    void everyListItReturnsIsUnmodifiable() {
        ProcessInfo extra = row(99, 1, 99, 'S', false);
        List<List<ProcessInfo>> lists = List.of(table.all(), table.children(1), table.descendants(1), table.orphans());
        for (List<ProcessInfo> list : lists) {
            assertThatThrownBy(() -> list.add(extra)).isInstanceOf(UnsupportedOperationException.class);
        }
        assertThatThrownBy(() -> table.zombies().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> table.tree().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> table.tree().get(0).children().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void unreadablePidsAreReportedBesideTheRows() {
        ProcessTable t = ProcessTable.of(Instant.EPOCH, List.of(row(1, 0, 1, 'S', false)), List.of(7, 3, 7));
        assertThat(t.unreadable()).containsExactly(3, 7);
        assertThat(t.get(3)).isEmpty();
        assertThat(table.unreadable()).isEmpty();
        assertThatThrownBy(() -> ProcessTable.of(Instant.EPOCH, List.of(row(1, 0, 1, 'S', false)), List.of(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pid 1");
    }

    @Test
    void duplicatePidsAreRefused() {
        assertThatThrownBy(() -> ProcessTable.of(Instant.EPOCH, List.of(row(5, 1, 5, 'S', false), row(5, 1, 5, 'R', false))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pid 5");
    }
}
