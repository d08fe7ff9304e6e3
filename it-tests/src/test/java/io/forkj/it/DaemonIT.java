package io.forkj.it;

import io.forkj.Errno;
import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.posix.Daemon;
import io.forkj.posix.DaemonException;
import io.forkj.posix.DaemonHandle;
import io.forkj.posix.DaemonSpec;
import io.forkj.posix.DaemonStatus;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.daemon.Launcher;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Daemons against the real kernel: every daemon(7) property read back from /proc. The test JVM is a subreaper,
 * so each daemon is adopted by it (its parent is deterministic) and reaped here after it dies.
 */
@ExtendWith(Subreaper.class)
class DaemonIT {
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;
    private static final Posix POSIX = Posix.get();
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private final List<Integer> started = new ArrayList<>();

    /** Kills and reaps whatever a failed test left running, so no daemon outlives the test. */
    @AfterEach
    void killLeftovers() {
        for (int pid : started) {
            if (Kernel.state(pid).isPresent()) {
                POSIX.kill(pid, Signal.SIGKILL);
                RawChild.reap(pid);
            }
        }
    }

    private DaemonHandle start(DaemonSpec spec) {
        DaemonHandle daemon = Daemon.start(spec);
        started.add(daemon.pid());
        return daemon;
    }

    private static DaemonSpec sleeper(Path pidFile) {
        return DaemonSpec.of("sleep", "600").pidFile(pidFile);
    }

    @Test
    void theDaemonPassesEveryDaemon7Check() throws IOException {
        Path pidFile = dir.resolve("sleep.pid");
        DaemonHandle daemon = start(sleeper(pidFile).umask(027));
        int pid = daemon.pid();
        int self = Kernel.self();

        String[] stat = Kernel.stat(pid).orElseThrow();
        assertThat(stat[0]).as("state").isIn("S", "R");
        assertThat(Integer.parseInt(stat[1])).as("parent: the subreaper").isEqualTo(self);
        assertThat(Integer.parseInt(stat[3])).as("sid != pid: not a session leader").isNotEqualTo(pid);
        assertThat(Integer.parseInt(stat[3])).as("its own session, not the launcher's").isNotEqualTo(POSIX.getsid(0));
        assertThat(Integer.parseInt(stat[4])).as("tty_nr: no controlling terminal").isZero();
        assertThat(Files.readSymbolicLink(Path.of("/proc", "" + pid, "cwd"))).isEqualTo(Path.of("/"));
        assertThat(statusLine(pid, "Umask")).isEqualTo("0027");
        assertThat(statusLine(pid, "SigBlk")).isEqualTo("0000000000000000");
        assertThat(statusLine(pid, "SigIgn")).isEqualTo("0000000000000000");

        assertThat(Kernel.awaitAsleep(pid, DEADLINE)).as("past sleep's start-up (its own fds)").isTrue();
        // Only now: start() returns when the close-on-exec pipe closes, and the kernel closes it in begin_new_exec
        // before it renames the task, so the name can still be the forked JVM's for a moment.
        assertThat(Files.readString(Path.of("/proc", "" + pid, "comm")).trim()).isEqualTo("sleep");
        List<String> fds = Kernel.openFds(pid);
        assertThat(fds).contains("0 -> /dev/null", "1 -> /dev/null", "2 -> /dev/null").hasSize(4);
        assertThat(fds).filteredOn(fd -> !fd.endsWith("/dev/null")).singleElement()
                .satisfies(fd -> assertThat(fd).endsWith(" -> " + pidFile.toRealPath()));

        assertThat(Files.readString(pidFile)).isEqualTo(pid + "\n");
        assertThat(Integer.toOctalString(Files.getAttribute(pidFile, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .hashCode() & 0777)).isEqualTo("644");
        assertThat(tryLock(pidFile)).as("flock(LOCK_EX|LOCK_NB) from the test").isEqualTo(Errno.EAGAIN.number());
        assertThat(Daemon.status(pidFile)).extracting(DaemonStatus::state, DaemonStatus::pid)
                .containsExactly(DaemonStatus.State.RUNNING, pid);
        assertThat(Kernel.children(self)).as("the first child was reaped; only the daemon is ours")
                .containsExactly(pid);

        assertThat(Daemon.stop(pidFile, DEADLINE)).isTrue();
        assertThat(pidFile).doesNotExist();
        assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGTERM, false));
        assertThat(Daemon.status(pidFile).state()).isEqualTo(DaemonStatus.State.NOT_RUNNING);
        assertThat(Daemon.stop(pidFile, DEADLINE)).as("nothing left to stop").isFalse();
    }

    @Test
    void aSecondStartWithTheSamePidFileFailsWhileTheFirstRuns() throws IOException {
        Path pidFile = dir.resolve("once.pid");
        int pid = start(sleeper(pidFile)).pid();
        assertThatThrownBy(() -> start(sleeper(pidFile)))
                .isInstanceOf(DaemonException.class)
                .hasMessage("pid file " + pidFile + " is locked by a running daemon (pid " + pid + ")");
        assertThat(Files.readString(pidFile)).as("the running daemon's file is untouched").isEqualTo(pid + "\n");
        assertThat(Kernel.children(Kernel.self())).containsExactly(pid);
        assertThat(Daemon.stop(pidFile, DEADLINE)).isTrue();
        RawChild.reap(pid);
    }

    @Test
    void aMissingProgramIsReportedByTheDaemonItself() {
        Path pidFile = dir.resolve("missing.pid");
        assertThatThrownBy(() -> start(DaemonSpec.of("/no/such/program", "x").pidFile(pidFile)))
                .isInstanceOf(DaemonException.class)
                .hasMessage("daemon /no/such/program x failed to start: execve(/no/such/program): ENOENT (No such file or directory)");
        assertThat(pidFile).as("a failed start removes its pid file").doesNotExist();
        assertThat(Kernel.children(Kernel.self())).as("the failed daemon was reaped: no zombie").isEmpty();
    }

    @Test
    void everyFailingStepNamesItsCall() {
        assertThatThrownBy(() -> start(DaemonSpec.of("sleep", "600").directory(dir.resolve("absent"))))
                .isInstanceOf(DaemonException.class)
                .hasMessageEndingWith("chdir(" + dir.resolve("absent") + "): ENOENT (No such file or directory)");
        assertThatThrownBy(() -> start(DaemonSpec.of("sleep", "600").log(dir.resolve("absent/log"))))
                .hasMessageEndingWith("open(" + dir.resolve("absent/log")
                        + ", O_WRONLY|O_APPEND|O_CREAT, 0644): ENOENT (No such file or directory)");
        assertThatThrownBy(() -> start(DaemonSpec.of("no-such-program-forkj")))
                .hasMessageContaining("execve(no-such-program-forkj): ENOENT (No such file or directory); not found in the daemon's PATH=");
        assertThat(Kernel.children(Kernel.self())).isEmpty();
    }

    @Test
    void aStalePidFileIsTakenOverAndAStopOfAStaleFileSignalsNobody() throws IOException {
        Path pidFile = dir.resolve("stale.pid");
        Files.writeString(pidFile, "999999\n");
        assertThat(Daemon.status(pidFile)).extracting(DaemonStatus::state, DaemonStatus::pid)
                .containsExactly(DaemonStatus.State.STALE, 999999);
        assertThat(Daemon.stop(pidFile, DEADLINE)).isFalse();
        assertThat(pidFile).as("stop removes a stale file").doesNotExist();

        Files.writeString(pidFile, "999999\n");
        int pid = start(sleeper(pidFile)).pid();
        assertThat(Files.readString(pidFile)).isEqualTo(pid + "\n");
        assertThat(Daemon.stop(pidFile, DEADLINE)).isTrue();
        RawChild.reap(pid);
    }

    @Test
    void aPidFileThatNamesAnotherProcessIsNeverSignalled() throws IOException {
        Path pidFile = dir.resolve("tampered.pid");
        int pid = start(sleeper(pidFile)).pid();
        Files.writeString(pidFile, Kernel.self() + "\n"); // the lock stays with the daemon; the pid now lies
        DaemonStatus status = Daemon.status(pidFile);
        assertThat(status.state()).isEqualTo(DaemonStatus.State.UNVERIFIED);
        assertThat(status.detail()).contains("does not hold it open");
        assertThatThrownBy(() -> Daemon.stop(pidFile, DEADLINE)).isInstanceOf(DaemonException.class)
                .hasMessageStartingWith("not signalling or removing anything: ");
        assertThat(Kernel.state(pid)).as("the daemon was not signalled either").isPresent();
        POSIX.kill(pid, Signal.SIGKILL);
        RawChild.reap(pid);
    }

    @Test
    void aDaemonThatIgnoresSigtermIsReportedAndLeftRunning() throws IOException {
        Path pidFile = dir.resolve("stubborn.pid");
        int pid = start(DaemonSpec.of("/bin/sh", "-c", "trap '' TERM; exec sleep 600").pidFile(pidFile)).pid();
        // ready means execve of sh succeeded; the trap takes effect a moment later
        assertThat(Kernel.await(DEADLINE, () -> (Long.parseLong(statusLine(pid, "SigIgn"), 16) & (1L << 14)) != 0)).isTrue();
        assertThatThrownBy(() -> Daemon.stop(pidFile, Duration.ofMillis(300)))
                .isInstanceOf(DaemonException.class)
                .hasMessageContaining("daemon pid " + pid + " still holds " + pidFile)
                .hasMessageContaining("left running");
        assertThat(Kernel.state(pid)).isPresent();
        assertThat(pidFile).exists();
        POSIX.kill(pid, Signal.SIGKILL);
        assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
        assertThat(Daemon.status(pidFile).state()).isEqualTo(DaemonStatus.State.STALE);
        assertThat(Daemon.stop(pidFile, DEADLINE)).isFalse();
        assertThat(pidFile).doesNotExist();
    }

    /** A stalled child (forced here) is detected, its session killed and reaped, the start retried. */
    @Test
    void aStalledStartIsKilledAndRetried() throws IOException {
        Path pidFile = dir.resolve("stall.pid");
        System.setProperty(Launcher.STALL_PROPERTY, "1");
        int pid;
        try {
            pid = start(sleeper(pidFile)).pid();
        } finally {
            System.clearProperty(Launcher.STALL_PROPERTY);
        }
        assertThat(Files.readString(pidFile)).as("the retry's pid, written from offset 0").isEqualTo(pid + "\n");
        assertThat(Kernel.children(Kernel.self())).as("the stalled attempt was killed and reaped").containsExactly(pid);
        assertThat(Daemon.stop(pidFile, DEADLINE)).isTrue();
        RawChild.reap(pid);
    }

    /**
     * The same stall placed after the grandchild said it is about to execve (its JVM copy still runs Java code up to
     * the call): retried as well, where the launcher used to wait out the ready deadline and fail ("did not finish
     * execve", once in a loop run).
     */
    @Test
    void aStartStalledAfterItsExecRecordIsKilledAndRetried() throws IOException {
        Path pidFile = dir.resolve("stall-at-exec.pid");
        System.setProperty(Launcher.STALL_AT_EXEC_PROPERTY, "1");
        int pid;
        try {
            pid = start(sleeper(pidFile)).pid();
        } finally {
            System.clearProperty(Launcher.STALL_AT_EXEC_PROPERTY);
        }
        assertThat(Files.readString(pidFile)).as("the retry's pid").isEqualTo(pid + "\n");
        assertThat(Kernel.children(Kernel.self())).as("the stalled attempt was killed and reaped").containsExactly(pid);
        assertThat(Daemon.stop(pidFile, DEADLINE)).isTrue();
        RawChild.reap(pid);
    }

    @Test
    void aStartThatStallsEveryTimeFailsAndLeavesNothing() {
        Path pidFile = dir.resolve("stall3.pid");
        System.setProperty(Launcher.STALL_PROPERTY, "3");
        try {
            assertThatThrownBy(() -> start(sleeper(pidFile))).isInstanceOf(DaemonException.class)
                    .hasMessageStartingWith("daemon sleep 600 failed to start: its forked JVM children stalled 3 times");
        } finally {
            System.clearProperty(Launcher.STALL_PROPERTY);
        }
        assertThat(pidFile).doesNotExist();
        assertThat(Kernel.children(Kernel.self())).isEmpty();
    }

    @Test
    void theEnvironmentIsExactlyTheAllowListPlusExplicitVariables() throws IOException {
        DaemonSpec spec = DaemonSpec.of("sleep", "600").environmentAllowList(Set.of("PATH", "NO_SUCH_VARIABLE"))
                .environment("FORKJ_MARK", "a b=c");
        int pid = start(spec).pid();
        // start() returns once the execve is committed: its close-on-exec pipe closes in the kernel's
        // begin_new_exec, before the new image's stack (and so /proc/PID/environ) exists. Read it once sleep runs.
        assertThat(Kernel.awaitAsleep(pid, DEADLINE)).as("sleep runs its new image").isTrue();
        Map<String, String> environ = new TreeMap<>();
        for (String entry : Files.readString(Path.of("/proc", "" + pid, "environ")).split("\0")) {
            environ.put(entry.substring(0, entry.indexOf('=')), entry.substring(entry.indexOf('=') + 1));
        }
        assertThat(environ).containsExactlyEntriesOf(new TreeMap<>(Map.of("FORKJ_MARK", "a b=c", "PATH", System.getenv("PATH"))));
        POSIX.kill(pid, Signal.SIGTERM);
        RawChild.reap(pid);
    }

    @Test
    void outputGoesToTheLogAppendedAndStdinIsDevNull() throws IOException {
        Path log = dir.resolve("daemon.log");
        Files.writeString(log, "earlier\n");
        int pid = start(DaemonSpec.of("/bin/sh", "-c", "echo out; echo err >&2; cat; echo eof; exec sleep 600")
                .log(log)).pid();
        assertThat(Kernel.await(DEADLINE, () -> read(log).endsWith("eof\n"))).isTrue();
        assertThat(read(log)).isEqualTo("earlier\nout\nerr\neof\n");
        // sleep's own start-up holds fds for a moment (/etc/locale.alias under LANG=C.UTF-8, seen as a normal user)
        assertThat(Kernel.awaitAsleep(pid, DEADLINE)).as("past sleep's start-up").isTrue();
        assertThat(Kernel.openFds(pid)).containsExactlyInAnyOrder("0 -> /dev/null", "1 -> " + log.toRealPath(),
                "2 -> " + log.toRealPath());
        POSIX.kill(pid, Signal.SIGTERM);
        RawChild.reap(pid);
    }

    /** Signals the launcher blocks or ignores must not reach the daemon: its mask is empty, its handlers default. */
    @Test
    void blockedAndIgnoredSignalsAreReset() {
        int sigurg = 23;
        long previous = Native.libc().signal(sigurg, 1); // SIG_IGN; SIGURG's default action is to ignore anyway
        Pointer set = Memory.allocateDirect(Runtime.getSystemRuntime(), 128, true);
        Pointer old = Memory.allocateDirect(Runtime.getSystemRuntime(), 128, true);
        set.putLong(0, 1L << (Signal.SIGUSR2.number() - 1));
        int pid;
        try {
            assertThat(Native.libc().sigprocmask(0 /* SIG_BLOCK */, set, old)).isZero();
            pid = start(DaemonSpec.of("sleep", "600")).pid();
        } finally {
            Native.libc().sigprocmask(2 /* SIG_SETMASK */, old, null);
            Native.libc().signal(sigurg, previous);
        }
        assertThat(statusLine(pid, "SigBlk")).isEqualTo("0000000000000000");
        assertThat(statusLine(pid, "SigIgn")).isEqualTo("0000000000000000");
        POSIX.kill(pid, Signal.SIGTERM);
        RawChild.reap(pid);
    }

    @Test
    void privilegesAreDroppedAfterThePidFileIsWritten() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Native.posix().geteuid() == 0, "setuid/setgid to another user needs root; CI runs the root-only tests again with sudo");
        Path pidFile = dir.resolve("nobody.pid");
        int pid = start(sleeper(pidFile).user(65534, 65534)).pid();
        assertThat(statusLine(pid, "Uid")).isEqualTo("65534\t65534\t65534\t65534");
        assertThat(statusLine(pid, "Gid")).isEqualTo("65534\t65534\t65534\t65534");
        assertThat(statusLine(pid, "Groups")).isEqualTo("65534");
        assertThat(Files.readString(pidFile)).isEqualTo(pid + "\n");
        assertThat(Daemon.stop(pidFile, DEADLINE)).isTrue();
        RawChild.reap(pid);
    }

    @Test
    void readyIsSentToTheNotifySocketWithTheDaemonsPid() {
        Sockets sockets = LibraryLoader.create(Sockets.class).load("c");
        String name = "forkj-notify-" + Kernel.self();
        byte[] address = new byte[110];
        address[0] = 1; // AF_UNIX, little-endian
        System.arraycopy(name.getBytes(StandardCharsets.US_ASCII), 0, address, 3, name.length()); // abstract: \0name
        int fd = sockets.socket(1, 2 | 04000 /* SOCK_NONBLOCK */ | 02000000, 0);
        assertThat(fd).isPositive();
        try {
            assertThat(sockets.bind(fd, address, 3 + name.length())).isZero();
            int pid = start(DaemonSpec.of("sleep", "600").notifySocket("@" + name)).pid();
            byte[] buffer = new byte[256];
            long[] received = {-1};
            assertThat(Kernel.await(DEADLINE, () -> (received[0] = sockets.recv(fd, buffer, buffer.length, 0)) > 0)).isTrue();
            assertThat(new String(buffer, 0, (int) received[0], StandardCharsets.UTF_8))
                    .isEqualTo("READY=1\nMAINPID=" + pid + "\n");
            POSIX.kill(pid, Signal.SIGTERM);
            RawChild.reap(pid);
        } finally {
            Native.posix().close(fd);
        }
    }

    @Test
    void aNotificationNobodyReceivesIsReportedWithTheRunningDaemonsPid() {
        String socket = "@forkj-nobody-listens-" + Kernel.self();
        DaemonException e = org.junit.jupiter.api.Assertions.assertThrows(DaemonException.class,
                () -> Daemon.start(DaemonSpec.of("sleep", "600").notifySocket(socket)));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^daemon pid (\\d+) is running, but telling "
                + socket + " READY=1 failed: sendto\\(" + socket + ", .*\\): ECONNREFUSED .*").matcher(e.getMessage());
        assertThat(m.matches()).as(e.getMessage()).isTrue();
        int pid = Integer.parseInt(m.group(1));
        started.add(pid);
        assertThat(Kernel.state(pid)).isPresent();
        POSIX.kill(pid, Signal.SIGTERM);
        RawChild.reap(pid);
    }

    /** The socket calls only this test needs, to receive what the launcher sends. */
    @SaveError
    public interface Sockets {
        /** socket(2). */
        int socket(int domain, int type, int protocol);

        /** bind(2). */
        int bind(int fd, @In byte[] address, int length);

        /** recv(2). */
        long recv(int fd, @Out byte[] buffer, long length, int flags);
    }

    private static int tryLock(Path file) {
        int fd = Native.posix().open(file.toString(), 0, 0);
        assertThat(fd).isNotNegative();
        try {
            return Native.posix().flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : Native.errno();
        } finally {
            Native.posix().close(fd);
        }
    }

    private static String statusLine(int pid, String key) {
        try {
            return Files.readAllLines(Path.of("/proc", "" + pid, "status")).stream()
                    .filter(line -> line.startsWith(key + ":")).map(line -> line.substring(key.length() + 1).trim())
                    .findFirst().orElseThrow();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
