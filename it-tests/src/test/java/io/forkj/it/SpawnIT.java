package io.forkj.it;

import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Spawn;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** posix_spawn against the real kernel: exec errors, the fds and signal state the program starts with. */
class SpawnIT {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int O_CLOEXEC = 02000000;

    /** Waits for a spawned child with a deadline; one still running then is killed and the test fails. */
    private static WaitStatus reap(Child child) throws InterruptedException {
        Optional<WaitStatus> status = child.waitFor(DEADLINE);
        if (status.isEmpty()) {
            child.kill(Signal.SIGKILL);
            child.waitFor(DEADLINE);
        }
        assertThat(status).as("child %d ended within %s", child.pid(), DEADLINE).isPresent();
        return status.get();
    }

    /**
     * The fd numbers of a spawned {@code sleep} once it is asleep in {@code nanosleep}/{@code clock_nanosleep}
     * ({@link Kernel#awaitAsleep}), that is after its start-up: ld.so holds an fd of
     * its own while it maps the libraries, and before the execve the spawn child has only 0-2, so waiting for
     * "the expected fds" could pass before the exec and then read ld.so's fd 3 (seen once).
     */
    private static List<String> settledFds(int pid) {
        assertThat(Kernel.awaitAsleep(pid, DEADLINE)).as("sleep %d reached nanosleep", pid).isTrue();
        return fdNumbers(pid);
    }

    private static List<String> fdNumbers(int pid) {
        return Kernel.openFds(pid).stream().map(l -> l.substring(0, l.indexOf(' ')))
                .sorted(java.util.Comparator.comparingInt(Integer::parseInt)).toList();
    }

    private static String statusLine(int pid, String name) throws IOException {
        return Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status")).stream()
                .filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow().substring(name.length() + 1).trim();
    }

    @Test
    void eachChildsIdentityIsItsPidAndTheStartTimeProcShows() throws Exception {
        List<Child> children = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                children.add(Spawn.exec("sleep", "60"));
            }
            for (Child child : children) {
                assertThat(child.identity().startTimeTicks()).as("pid %d: field 22 of /proc/PID/stat", child.pid())
                        .isEqualTo(Long.parseLong(Kernel.stat(child.pid()).orElseThrow()[19]));
            }
        } finally {
            for (Child child : children) {
                child.kill(Signal.SIGKILL);
                assertThat(child.waitFor()).isEqualTo(new WaitStatus.Signaled(child.pid(), Signal.SIGKILL, false));
            }
        }
    }

    @Test
    void trueExitsZeroAndFalseOne() throws Exception {
        Child ok = Spawn.exec("true");
        assertThat(reap(ok)).isEqualTo(new WaitStatus.Exited(ok.pid(), 0));
        Child no = Spawn.exec("/bin/false");
        assertThat(reap(no)).isEqualTo(new WaitStatus.Exited(no.pid(), 1));
    }

    @Test
    void aMissingProgramRaisesEnoentInsteadOfExiting127() {
        assertThatThrownBy(() -> Spawn.exec("/nonexistent/forkj-no-such-program"))
                .isInstanceOfSatisfying(PosixException.class, e -> {
                    assertThat(e.error()).contains(Errno.ENOENT);
                    assertThat(e.call()).contains("/nonexistent/forkj-no-such-program");
                });
    }

    /**
     * A bare name is looked up in the JVM's own {@code PATH} (posix_spawnp reads the C environment), so the test
     * sets that to directories it controls: with the caller's PATH, a directory the user may not search makes
     * glibc answer EACCES instead (seen as a normal user).
     */
    @Test
    void aMissingProgramOnPathRaisesEnoent(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty-bin"));
        String saved = Native.posix().getenv("PATH");
        Native.posix().setenv("PATH", empty + ":/nonexistent-forkj-dir", 1);
        try {
            assertThatThrownBy(() -> Spawn.exec("forkj-no-such-program-on-path"))
                    .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.error()).contains(Errno.ENOENT));
        } finally {
            if (saved == null) {
                Native.posix().unsetenv("PATH");
            } else {
                Native.posix().setenv("PATH", saved, 1);
            }
        }
        assertThat(Native.posix().getenv("PATH")).isEqualTo(saved);
    }

    @Test
    void aFileWithoutExecutePermissionRaisesEacces(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("not-executable"), "#!/bin/sh\nexit 0\n");
        assertThatThrownBy(() -> Spawn.exec(script.toString()))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.error()).contains(Errno.EACCES));
    }

    @Test
    void theProgramHasOnlyFds012() throws Exception {
        Child child = Spawn.command("sleep", "30").exec();
        try {
            assertThat(settledFds(child.pid())).containsExactly("0", "1", "2");
        } finally {
            child.kill(Signal.SIGKILL);
            reap(child);
        }
    }

    @Test
    void passedFdsAreKeptAtTheirNumbersEvenWhenCloseOnExec() throws Exception {
        int[] pipe = new int[2];
        assertThat(Native.libc().pipe2(pipe, O_CLOEXEC)).isZero();
        try {
            Child child = Spawn.command("sleep", "30").passFds(pipe[1]).exec();
            try {
                List<String> expected = List.of("0", "1", "2", Integer.toString(pipe[1]));
                assertThat(settledFds(child.pid())).containsExactlyElementsOf(expected);
                assertThat(Kernel.openFds(child.pid())).anyMatch(l -> l.startsWith(pipe[1] + " -> pipe:"));
            } finally {
                child.kill(Signal.SIGKILL);
                reap(child);
            }
        } finally {
            Native.posix().close(pipe[0]);
            Native.posix().close(pipe[1]);
        }
    }

    @Test
    void argvEnvironmentDirectoryAndStdoutReachTheProgram(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Path work = Files.createDirectory(dir.resolve("work"));
        Child child = Spawn.command("/bin/sh", "-c", "printf '%s|%s|' \"$1\" \"$FORKJ\"; pwd; echo oops >&2", "sh", "one two")
                .environment(Map.of("FORKJ", "v\u00e4lue", "PATH", "/usr/bin:/bin"))
                .directory(work)
                .stdout(Redirect.to(out.toFile()))
                .stderr(Redirect.DISCARD)
                .exec();
        assertThat(reap(child).toExitCode()).isZero();
        assertThat(Files.readString(out)).isEqualTo("one two|v\u00e4lue|" + work.toRealPath() + "\n");
    }

    @Test
    void byDefaultTheProgramGetsThisJvmsWholeEnvironmentEveryTime(@TempDir Path dir) throws Exception {
        Map<String, String> expected = new java.util.TreeMap<>(System.getenv());
        for (int run = 0; run < 2; run++) { // the second spawn reuses the environment block the first one built
            Path out = dir.resolve("env" + run);
            Child child = Spawn.command("env", "-0").stdout(Redirect.to(out.toFile())).exec();
            assertThat(reap(child).toExitCode()).isZero();
            Map<String, String> seen = new java.util.TreeMap<>();
            for (String entry : Files.readString(out).split("\0")) {
                int eq = entry.indexOf('=');
                seen.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
            assertThat(seen).as("spawn %d", run).isEqualTo(expected);
        }
    }

    @Test
    void stdinComesFromAFileAndStdoutAppends(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("in"), "from stdin\n");
        Path out = Files.writeString(dir.resolve("out"), "kept\n");
        Child child = Spawn.command("cat").stdin(Redirect.from(in.toFile())).stdout(Redirect.appendTo(out.toFile())).exec();
        assertThat(reap(child).toExitCode()).isZero();
        assertThat(Files.readString(out)).isEqualTo("kept\nfrom stdin\n");
    }

    @Test
    void theProgramStartsWithAnEmptyMaskAndDefaultDispositions() throws Exception {
        Child child = Spawn.exec("sleep", "30");
        try {
            assertThat(statusLine(child.pid(), "SigBlk")).isEqualTo("0000000000000000");
            // glibc's spawn child ignores its two internal signals (32, 33) itself; no standard signal is ignored.
            long ignored = Long.parseLong(statusLine(child.pid(), "SigIgn"), 16);
            assertThat(ignored & ~0x180000000L).as("SigIgn %x outside glibc's 32 and 33", ignored).isZero();
            child.kill(Signal.SIGTERM);
            assertThat(reap(child)).isEqualTo(new WaitStatus.Signaled(child.pid(), Signal.SIGTERM, false));
        } finally {
            if (child.status().isEmpty()) {
                child.kill(Signal.SIGKILL);
                reap(child);
            }
        }
    }

    @Test
    void newSessionAndProcessGroupAreSet() throws Exception {
        Child session = Spawn.command("sleep", "30").newSession().exec();
        Child group = Spawn.command("sleep", "30").processGroup(0).exec();
        try {
            String[] s = Kernel.stat(session.pid()).orElseThrow();
            assertThat(s[3]).as("session id").isEqualTo(Integer.toString(session.pid()));
            assertThat(s[2]).as("process group").isEqualTo(Integer.toString(session.pid()));
            String[] g = Kernel.stat(group.pid()).orElseThrow();
            assertThat(g[2]).as("process group").isEqualTo(Integer.toString(group.pid()));
            assertThat(g[3]).as("session unchanged").isEqualTo(Kernel.stat(Kernel.self()).orElseThrow()[3]);
        } finally {
            session.kill(Signal.SIGKILL);
            group.kill(Signal.SIGKILL);
            reap(session);
            reap(group);
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheRule(@TempDir Path dir) {
        assertThatThrownBy(() -> Spawn.command(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("argv is empty");
        assertThatThrownBy(() -> Spawn.command("a\0b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL");
        assertThatThrownBy(() -> Spawn.command("true").passFds(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fd 1");
        assertThatThrownBy(() -> Spawn.command("true").directory(dir.resolve("missing")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a directory");
        assertThatThrownBy(() -> Spawn.command("true").stdin(Redirect.DISCARD))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stdin");
    }
}
