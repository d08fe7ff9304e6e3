package io.forkj.posix.internal.proc;

import io.forkj.KernelState;
import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The process table read from a captured {@code /proc} tree ({@code src/test/resources/proc-tree}, see its
 * README.txt) through {@link ProcFs#at}: the scan, the parsers and the table assembly on real kernel files, with
 * every expected value taken from those files.
 */
class LinuxProcessTableFixtureTest {
    /** {@code btime} of the captured {@code stat}. */
    private static final long BTIME = 1795695753L;

    private static ProcFs fixture() {
        try {
            return ProcFs.at(Path.of(LinuxProcessTableFixtureTest.class.getResource("/proc-tree").toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theBootTimeIsTheCapturedBtime() {
        assertThat(fixture().bootTimeSeconds()).isEqualTo(BTIME);
    }

    @Test
    void theSnapshotHoldsExactlyTheCapturedProcessesWithTheirStatesAndParents() {
        ProcessTable table = new LinuxProcessTable(fixture()).snapshot(true);

        Map<Integer, String> summary = new TreeMap<>(table.all().stream().collect(Collectors.toMap(
                p -> p.identity().pid(), p -> p.comm() + " " + p.kernelState().letter() + " ppid " + p.ppid())));
        assertThat(summary).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                1, "process_api S ppid 0",
                2, "kthreadd S ppid 0",
                10, "kworker/0:0H-kblockd I ppid 2",
                2295, "sleep S ppid 2293",
                2297, "sleep Z ppid 2295")));
        assertThat(table.unreadable()).isEmpty();
        assertThat(table.get(10).orElseThrow().kernelState()).isEqualTo(KernelState.IDLE);
        assertThat(table.zombies()).singleElement().satisfies(z -> {
            assertThat(z.process().identity().pid()).isEqualTo(2297);
            assertThat(z.parent().orElseThrow().identity().pid()).isEqualTo(2295);
        });
        assertThat(table.children(2).stream().map(p -> p.identity().pid())).containsExactly(10);
    }

    @Test
    void startTimesAreBtimePlusTheStartTicksOfEachStatFile() {
        ProcessTable table = new LinuxProcessTable(fixture()).snapshot(false);
        // starttime (field 22) of each captured stat: 20 ticks for the boot-time processes, 3718474 and 3718477.
        assertThat(table.get(1).orElseThrow().identity().startTimeTicks()).isEqualTo(20);
        assertThat(table.get(1).orElseThrow().startTime()).isEqualTo(Instant.ofEpochSecond(BTIME, 200_000_000));
        assertThat(table.get(10).orElseThrow().startTime()).isEqualTo(Instant.ofEpochSecond(BTIME, 200_000_000));
        assertThat(table.get(2295).orElseThrow().identity().startTimeTicks()).isEqualTo(3718474);
        assertThat(table.get(2295).orElseThrow().startTime()).isEqualTo(Instant.ofEpochSecond(BTIME + 37184, 740_000_000));
        assertThat(table.get(2297).orElseThrow().startTime()).isEqualTo(Instant.ofEpochSecond(BTIME + 37184, 770_000_000));
    }

    @Test
    void statusAndCommandLineFilesAreReadFromTheFixtureToo() {
        ProcessTable table = new LinuxProcessTable(fixture()).snapshot(true);
        ProcessInfo init = table.get(1).orElseThrow();
        // nice -10 (<), VmLck 40436 kB (L), session 0 is not its pid (no s), 13 threads (l), tpgid -1 (no +).
        assertThat(init.stat()).isEqualTo("S<Ll");
        assertThat(init.uid()).isZero();
        assertThat(init.commandLine()).isPresent();
        assertThat(table.get(2).orElseThrow().commandLine()).as("a kernel thread has an empty cmdline").isEmpty();
        assertThat(table.get(2297).orElseThrow().commandLine()).as("a zombie has an empty cmdline").isEmpty();
        assertThat(table.get(2295).orElseThrow().commandLine().orElseThrow()).isEqualTo(List.of("sleep", "30"));
    }

    @Test
    void oneProcessAndAMissingOneAreReadFromTheFixture() {
        LinuxProcessTable provider = new LinuxProcessTable(fixture());
        assertThat(provider.process(2297).orElseThrow().kernelState()).isEqualTo(KernelState.ZOMBIE);
        assertThat(provider.process(3)).as("not captured, so not there").isEmpty();
    }

    @Test
    void aRootWithoutBtimeIsRefusedNamingTheFile() {
        Path stat = fixture().file("2295").resolve("stat");
        assertThatThrownBy(() -> ProcParser.bootTime("cpu  1 2 3\nintr 5\n", stat))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(stat + " has no btime line");
    }
}
