package io.forkj.it;

import io.forkj.examples.DaemonCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
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
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = new CommandLine(new DaemonCommand());
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        int code = line.execute(args);
        return new Run(code, out.toString(), err.toString());
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
}
