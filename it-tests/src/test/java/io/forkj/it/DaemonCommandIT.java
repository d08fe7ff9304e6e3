package io.forkj.it;

import io.forkj.examples.ForkjCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code forkj daemon start|stop|status} end to end, with its exit codes: 0 ok, 1 failed or not running, 2 bad usage. */
@ExtendWith(Subreaper.class)
class DaemonCommandIT {
    @TempDir
    Path dir;

    /** One run of the command: exit code, stdout, stderr. */
    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] line = new String[args.length + 1];
        line[0] = "daemon";
        System.arraycopy(args, 0, line, 1, args.length);
        int code = ForkjCommand.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), line);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void startStatusStopRoundTrip() throws IOException {
        String pidFile = dir.resolve("cli.pid").toString();
        Run start = run("start", "--pidfile", pidFile, "--umask", "027", "--", "sleep", "600");
        assertThat(start.code()).as(start.err()).isZero();
        int pid = Integer.parseInt(start.out().trim());
        assertThat(Files.readString(Path.of(pidFile))).isEqualTo(pid + "\n");
        assertThat(Kernel.stat(pid).orElseThrow()[1]).as("adopted by the subreaper").isEqualTo("" + Kernel.self());

        assertThat(run("status", "--pidfile", pidFile)).isEqualTo(new Run(0, "running: running as pid " + pid + "\n", ""));

        Run again = run("start", "--pidfile", pidFile, "--", "sleep", "600");
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("forkj daemon start: pid file " + pidFile
                + " is locked by a running daemon (pid " + pid + ")\n");

        assertThat(run("stop", "--pidfile", pidFile)).isEqualTo(new Run(0, "stopped pid " + pid + "\n", ""));
        assertThat(Path.of(pidFile)).doesNotExist();
        RawChild.reap(pid);

        Run status = run("status", "--pidfile", pidFile);
        assertThat(status.code()).isEqualTo(1);
        assertThat(status.out()).isEqualTo("not running: no pid file " + pidFile + "\n");
        assertThat(run("stop", "--pidfile", pidFile).code()).as("stopping what is not running").isEqualTo(1);
    }

    @Test
    void aFailedStartExitsOneWithTheDaemonsMessage() {
        String pidFile = dir.resolve("fail.pid").toString();
        Run start = run("start", "--pidfile", pidFile, "--", "/no/such/program");
        assertThat(start).isEqualTo(new Run(1, "", "forkj daemon start: daemon /no/such/program failed to start: "
                + "execve(/no/such/program): ENOENT (No such file or directory)\n"));
        assertThat(Path.of(pidFile)).doesNotExist();
    }

    @Test
    void badUsageExitsTwo() {
        String pidFile = dir.resolve("usage.pid").toString();
        assertThat(run().code()).as("no subcommand").isEqualTo(2);
        assertThat(run("start", "--", "sleep", "1").code()).as("no --pidfile").isEqualTo(2);
        assertThat(run("start", "--pidfile", pidFile).code()).as("no command").isEqualTo(2);
        Run octal = run("start", "--pidfile", pidFile, "--umask", "9", "--", "sleep", "1");
        assertThat(octal.code()).isEqualTo(2);
        assertThat(octal.err()).contains("--umask '9' is not an octal number like 022");
        Run range = run("start", "--pidfile", pidFile, "--umask", "1000", "--", "sleep", "1");
        assertThat(range.code()).isEqualTo(2);
        assertThat(range.err()).contains("umask 01000 (512) is outside 0..0777");
        assertThat(run("stop", "--pidfile", pidFile, "--timeout", "-1").code()).isEqualTo(2);
        assertThat(run("status").code()).isEqualTo(2);
        assertThat(Path.of(pidFile)).doesNotExist();
        assertThat(Kernel.children(Kernel.self())).isEmpty();
    }

    /**
     * Issue 11: stop and status never delete or misreport a file that is not provably a stale forkj pid file.
     * Each is left in place, byte for byte, with exit code 1 and a message saying what it holds.
     */
    @Test
    void stopLeavesEveryFileThatIsNotAStalePidFileInPlaceSayingWhatItHolds() throws IOException {
        assertLeftInPlace("text.pid", "hello world\nline two\n".getBytes(), "it holds 21 bytes: 'hello world\\nline two\\n'");
        assertLeftInPlace("empty.pid", new byte[0], "it is empty");
        assertLeftInPlace("garbage.pid", "1234garbage".getBytes(), "it holds 11 bytes: '1234garbage'");
        assertLeftInPlace("twolines.pid", "1234\nsecond line".getBytes(), "it holds 16 bytes: '1234\\nsecond line'");
        assertLeftInPlace("nonewline.pid", "999999".getBytes(), "it holds 6 bytes: '999999'");
        assertLeftInPlace("zero.pid", "0\n".getBytes(), "it holds 2 bytes: '0\\n'");
        assertLeftInPlace("binary.pid", new byte[] {'1', 0, (byte) 0xff, '\n'}, "it holds 4 bytes: '1\\x00\\xff\\n'");
        byte[] big = new byte[100_000];
        java.util.Arrays.fill(big, (byte) '7');
        assertLeftInPlace("big.pid", big, "it holds 100000 bytes: '7777777777");
        assertLeftInPlace("init.pid", "1\n".getBytes(),
                "pid 1 is alive and started before the file was written: it may be the daemon");
    }

    private void assertLeftInPlace(String name, byte[] content, String says) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, content);
        String pidFile = file.toString();
        Run stop = run("stop", "--pidfile", pidFile);
        assertThat(stop.code()).as("%s: %s", name, stop).isEqualTo(1);
        assertThat(stop.err()).as(name).startsWith("forkj daemon stop: not signalling or removing anything: nobody holds the lock on "
                + pidFile).contains(says).endsWith("; left in place\n");
        assertThat(stop.err()).as(name).doesNotContain("is gone");
        assertThat(Files.readAllBytes(file)).as("%s is left byte for byte", name).isEqualTo(content);
        Run status = run("status", "--pidfile", pidFile);
        assertThat(status.code()).isEqualTo(1);
        assertThat(status.out()).as(name).startsWith("unverified: nobody holds the lock on " + pidFile).contains(says);
        Run start = run("start", "--pidfile", pidFile, "--", "sleep", "600");
        if (content.length == 0) {
            // An empty unlocked file is what a start killed before its daemon wrote leaves: taken over.
            assertThat(start.code()).as(start.err()).isZero();
            int pid = Integer.parseInt(start.out().trim());
            assertThat(run("stop", "--pidfile", pidFile)).isEqualTo(new Run(0, "stopped pid " + pid + "\n", ""));
            RawChild.reap(pid);
            return;
        }
        assertThat(start.code()).as("%s: %s", name, start).isEqualTo(1);
        assertThat(start.err()).as(name).startsWith("forkj daemon start: not taking over " + pidFile + ": ").contains(says);
        assertThat(Files.readAllBytes(file)).as("%s is not truncated by start", name).isEqualTo(content);
        assertThat(Kernel.children(Kernel.self())).isEmpty();
        Files.delete(file);
    }

    @Test
    void aFifoIsNeitherOpenedForEverNorRemoved() throws Exception {
        Path fifo = dir.resolve("fifo.pid");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Run stop = run("stop", "--pidfile", fifo.toString());
        assertThat(stop.code()).isEqualTo(1);
        assertThat(stop.err()).contains("it is not a regular file").endsWith("; left in place\n");
        assertThat(Files.isRegularFile(fifo, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(fifo).exists();
    }

    @Test
    void aPidFileOfADeadDaemonIsRemovedAndSaysSo() throws IOException {
        Path file = dir.resolve("dead.pid");
        Files.writeString(file, "999999\n"); // above this kernel's pid_max (32768 by default, 4194304 at most)
        assertThat(run("status", "--pidfile", file.toString())).isEqualTo(new Run(1, "stale: nobody holds the lock on "
                + file + " and no live process has pid 999999: the daemon is gone\n", ""));
        assertThat(run("stop", "--pidfile", file.toString())).isEqualTo(new Run(1, "not running: nobody holds the lock on "
                + file + " and no live process has pid 999999: the daemon is gone; removed the stale pid file\n", ""));
        assertThat(file).doesNotExist();
    }

    /** The pid now names a process younger than the file: the daemon's pid was recycled, nobody is signalled. */
    @Test
    void aPidFileWhosePidWasRecycledIsRemovedWithoutSignallingTheNewOwner() throws Exception {
        Process newOwner = new ProcessBuilder("sleep", "600").start();
        try {
            Path file = dir.resolve("recycled.pid");
            Files.writeString(file, newOwner.pid() + "\n");
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(
                    java.time.Instant.now().minus(java.time.Duration.ofHours(1))));
            Run stop = run("stop", "--pidfile", file.toString());
            assertThat(stop).isEqualTo(new Run(1, "not running: nobody holds the lock on " + file + " and pid "
                    + newOwner.pid() + " now names a process started after the file was written (the pid was recycled): "
                    + "the daemon is gone; removed the stale pid file\n", ""));
            assertThat(file).doesNotExist();
            assertThat(newOwner.isAlive()).as("the pid's new owner was not signalled").isTrue();
        } finally {
            newOwner.destroyForcibly();
            newOwner.waitFor();
        }
    }
}
