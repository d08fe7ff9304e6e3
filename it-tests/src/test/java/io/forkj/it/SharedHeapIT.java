package io.forkj.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JVM whose Java heap is a shared mapping (ZGC's memfd, a heap file from {@code -XX:AllocateHeapAt}) refuses
 * every fork that would run Java code in the child, naming the setting and the mapping from /proc/self/maps, and
 * still spawns. Forked, such a child writes into the parent's live heap: 7 of 20 forking ZGC JVMs crashed
 * (docs/DESIGN.md). The JVM runs as a child of this subreaper JVM; it forks nothing, so nothing is left.
 */
@ExtendWith(Subreaper.class)
class SharedHeapIT {
    private static final List<String> WAYS = List.of("Fork.run", "Posix.fork", "Daemon.start", "Daemon.orphanGrandchild",
            "FORK start method");

    @TempDir
    Path dir;

    @Test
    void zgcRefusesEveryForkThatRunsJavaInTheChild() throws Exception {
        List<String> lines = run("-XX:+UseZGC");
        for (String way : WAYS) {
            assertThat(lines).as(String.join("\n", lines)).anySatisfy(line -> assertThat(line)
                    .startsWith(way + " refused: ").contains("-XX:+UseZGC", "rw-s /memfd:java_heap", "Spawn"));
        }
        assertThat(lines).anyMatch(line -> line.matches("spawn: Exited\\[pid=\\d+, code=0]"));
        assertThat(lines).contains("SPAWN start method: exit code 3");
        assertThat(dir.resolve("d.pid")).doesNotExist();
    }

    @Test
    void aHeapFileFromAllocateHeapAtIsRefusedToo() throws Exception {
        Path heapDir = Files.createDirectory(dir.resolve("heap"));
        List<String> lines = run("-XX:AllocateHeapAt=" + heapDir, "-Xmx64m");
        for (String way : WAYS) {
            assertThat(lines).as(String.join("\n", lines)).anySatisfy(line -> assertThat(line)
                    .startsWith(way + " refused: ").contains("-XX:AllocateHeapAt=" + heapDir, "rw-s " + heapDir + "/"));
        }
        assertThat(lines).anyMatch(line -> line.matches("spawn: Exited\\[pid=\\d+, code=0]"));
        assertThat(lines).contains("SPAWN start method: exit code 3");
    }

    private List<String> run(String... heapOptions) throws Exception {
        FreshJvm.Result jvm = FreshJvm.run(SharedHeapMain.class, List.of(heapOptions), dir.resolve("d.pid").toString());
        assertThat(jvm.exitCode()).as(jvm.output()).isZero();
        return jvm.output().lines().toList();
    }
}
