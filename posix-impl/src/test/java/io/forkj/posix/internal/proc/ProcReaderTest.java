package io.forkj.posix.internal.proc;

import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The two readers of {@code /proc} ({@code java.io} before the native binding is loaded, {@code openat} after)
 * answer the same: the same pids, the same bytes, the same verdict for a process that is gone or may not be
 * read. On the captured tree and on the live kernel.
 */
class ProcReaderTest {
    private static ProcFs fixture() {
        try {
            return ProcFs.at(Path.of(ProcReaderTest.class.getResource("/proc-tree").toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<ProcReader> both(ProcFs procFs) {
        return List.of(new JavaProcReader(procFs), new NativeProcReader(procFs));
    }

    private static String text(ProcReader reader, int n) {
        return new String(reader.bytes(), 0, n, StandardCharsets.UTF_8);
    }

    @Test
    void bothReadTheCapturedTreeAlike() throws Exception {
        ProcFs tree = fixture();
        for (ProcReader reader : both(tree)) {
            try (reader) {
                int[] pids = reader.pids();
                Arrays.sort(pids);
                assertThat(pids).as(reader.getClass().getSimpleName()).containsExactly(1, 2, 10, 2295, 2297);
                for (int pid : pids) {
                    for (String name : List.of("stat", "status")) {
                        int n = reader.read(pid, name.getBytes(StandardCharsets.US_ASCII));
                        assertThat(text(reader, n)).as(reader.getClass().getSimpleName() + " " + pid + "/" + name)
                                .isEqualTo(Files.readString(tree.pid(pid, name)));
                    }
                }
                assertThat(reader.read(999_999, ProcReader.STAT)).isEqualTo(ProcReader.GONE);
                assertThat(reader.lastErrno()).isEqualTo(ProcReader.ENOENT);
            }
        }
    }

    @Test
    void bothReadThisProcessAndACommandLineLargerThanTheirBuffer() throws Exception {
        int self = (int) ProcessHandle.current().pid();
        String big = "x".repeat(40_000);
        Process shell = new ProcessBuilder("sh", "-c", "read line", "forkj-test", big).start();
        try {
            int pid = (int) shell.pid();
            byte[] expected = Files.readAllBytes(ProcFs.system().pid(pid, "cmdline"));
            assertThat(expected.length).isGreaterThan(40_000);
            for (ProcReader reader : both(ProcFs.system())) {
                try (reader) {
                    assertThat(reader.pids()).contains(1, self, pid);
                    int n = reader.read(self, ProcReader.STAT);
                    assertThat(text(reader, n)).startsWith(self + " (java) ");
                    n = reader.read(pid, ProcReader.CMDLINE);
                    assertThat(Arrays.copyOf(reader.bytes(), n)).as(reader.getClass().getSimpleName()).isEqualTo(expected);
                }
            }
        } finally {
            shell.destroyForcibly();
            shell.waitFor();
        }
    }

    @Test
    void bothReportAFileThatMayNotBeReadAsUnreadable() {
        assumeThat(System.getProperty("user.name")).as("root may read another user's environ").isNotEqualTo("root");
        for (ProcReader reader : both(ProcFs.system())) {
            try (reader) {
                assertThat(reader.read(1, "environ".getBytes(StandardCharsets.US_ASCII)))
                        .as(reader.getClass().getSimpleName()).isEqualTo(ProcReader.UNREADABLE);
                assertThat(reader.lastErrno()).isIn(ProcReader.EACCES, 1 /* EPERM */);
            }
        }
    }
}
