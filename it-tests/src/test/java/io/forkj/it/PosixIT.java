package io.forkj.it;

import io.forkj.Errno;
import io.forkj.Posix;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.WaitOption;
import io.forkj.WaitStatus;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Posix facade against the real kernel: fork, the wait family, exit statuses, kill, ids. */
class PosixIT {
    private static final Posix POSIX = Posix.get();

    /**
     * Every code a child can exit with, decoded by the facade's {@code waitpid}. The 256 children come from the
     * guarded fork: a raw {@code fork()} from a JVM strands its child for ever when a safepoint is being
     * synchronized at that instant (seen in a full run: the child blocked in {@code SafepointSynchronize::block}
     * on its way back from the native call, and a blocking {@code waitpid} waited with it), a chance every raw
     * fork takes and 256 of them in a row made real. The guarded fork sees such a child before its body and forks
     * again; the raw facade fork is tested by the tests below, each with a deadline ({@link RawChild}).
     */
    @Test
    void everyExitStatusDecodesToExited() {
        for (int n = 0; n <= 255; n++) {
            int code = n;
            int pid = Fork.run(ForkOptions.defaults(), ctx -> ctx.exit(code)).pid();
            assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Exited(pid, code));
        }
    }

    @Test
    void sigkillDecodesToSignaledWithoutCore() {
        int pid = RawChild.fork(() -> Native.libc().pause());
        POSIX.kill(pid, Signal.SIGKILL);
        WaitStatus status = POSIX.waitpid(pid);
        assertThat(status).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
        assertThat(status.toExitCode()).isEqualTo(-9);
    }

    @Test
    void sigsegvAndSigabrtDecodeToSignaledWithoutCoreAtLimitZero() {
        for (Signal sig : new Signal[] {Signal.SIGSEGV, Signal.SIGABRT}) {
            int pid = RawChild.fork(() -> {
                Native.libc().setrlimit(RawChild.RLIMIT_CORE, new long[] {0, 0});
                raiseWithDefaultAction(sig);
            });
            assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Signaled(pid, sig, false));
        }
    }

    /**
     * With a core limit the kernel dumps core (when core_pattern writes a file) and sets the core flag.
     * The dump goes to a temp dir, and the limit keeps it small.
     */
    @Test
    void sigsegvAndSigabrtSetTheCoreFlagWhenTheLimitAllows(@TempDir Path dir) throws IOException {
        String pattern = Files.readString(Path.of("/proc/sys/kernel/core_pattern")).trim();
        boolean dumpsToFile = !pattern.startsWith("|") && !pattern.isEmpty();
        String cwd = dir.toString();
        long[] limit = {1 << 20, 1 << 20};
        for (Signal sig : new Signal[] {Signal.SIGSEGV, Signal.SIGABRT}) {
            int pid = RawChild.fork(() -> {
                Native.libc().setrlimit(RawChild.RLIMIT_CORE, limit);
                Native.posix().chdir(cwd);
                raiseWithDefaultAction(sig);
            });
            WaitStatus status = RawChild.reap(pid);
            assertThat(status).isInstanceOf(WaitStatus.Signaled.class);
            WaitStatus.Signaled signaled = (WaitStatus.Signaled) status;
            assertThat(signaled.signal()).isEqualTo(sig);
            if (dumpsToFile && pattern.startsWith("core")) {
                assertThat(signaled.coreDumped()).as("core flag with core_pattern '%s'", pattern).isTrue();
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> f.toFile().delete());
        }
    }

    private static void raiseWithDefaultAction(Signal sig) {
        // The JVM handles SIGSEGV itself; the default action is what a C program would get.
        Native.libc().signal(sig.number(), 0);
        Native.posix().kill(Native.posix().getpid(), sig.number());
        Native.libc().pause();
    }

    @Test
    void wuntracedReportsStopAndWcontinuedReportsContinue() {
        int pid = RawChild.fork(() -> {
            while (true) {
                Native.libc().pause();
            }
        });
        try {
            POSIX.kill(pid, Signal.SIGSTOP);
            assertThat(POSIX.waitpid(pid, WaitOption.WUNTRACED)).isEqualTo(new WaitStatus.Stopped(pid, Signal.SIGSTOP));
            assertThat(Kernel.state(pid)).contains('T');
            POSIX.kill(pid, Signal.SIGCONT);
            assertThat(POSIX.waitpid(pid, WaitOption.WCONTINUED)).isEqualTo(new WaitStatus.Continued(pid));
        } finally {
            POSIX.kill(pid, Signal.SIGKILL);
            assertThat(POSIX.waitpid(pid)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
        }
    }

    @Test
    void wnohangReturnsNoChangeWhileTheChildRuns() {
        int pid = RawChild.fork(() -> Native.libc().pause());
        try {
            assertThat(POSIX.waitpid(pid, WaitOption.WNOHANG)).isSameAs(WaitStatus.NoChange.INSTANCE);
            assertThat(Kernel.state(pid)).isPresent();
            // SIGTERM must arrive while the child is inside pause(): one that arrives earlier is consumed by the
            // JVM's handler and the child then pauses for ever (seen under load on JDK 25). The wait channel
            // says when it is there (__do_sys_pause; glibc on arm64 pauses in ppoll).
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.wchan(pid).matches(".*(pause|poll).*")))
                    .as("child %d reaches pause() (wchan %s)", pid, Kernel.wchan(pid)).isTrue();
        } finally {
            POSIX.kill(pid, Signal.SIGTERM);
        }
        // A forked JVM child still has the JVM's SIGTERM handler but no thread to run it; pause() returns
        // after the handler, so the body ends and exits 0 -- or SIGTERM kills it. Either way it ends.
        assertThat(RawChild.reap(pid).isTerminated()).isTrue();
    }

    @Test
    void childSeesParentPidAndParentSeesChildPid() {
        int parent = POSIX.getpid();
        assertThat(parent).isEqualTo(Kernel.self());
        int pid = RawChild.fork(() -> {
            int code = POSIX.getppid() == parent ? 0 : 1;
            code |= POSIX.getpid() != parent ? 0 : 2;
            POSIX._exit(code);
        });
        assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Exited(pid, 0));
        assertThat(POSIX.getppid()).isEqualTo((int) ProcessHandle.current().parent().orElseThrow().pid());
    }

    @Test
    void waitAnyWithNoOptionIsWaitAndReturnsTheExitedChild() {
        int pid = RawChild.fork(() -> POSIX._exit(7));
        WaitStatus status = POSIX.waitAny();
        assertThat(status).isEqualTo(new WaitStatus.Exited(pid, 7));
        assertThat(WaitStatus.WEXITSTATUS(7 << 8)).isEqualTo(7);
    }

    @Test
    @SuppressWarnings("deprecation") // waitChild, the deprecated alias, must still fail the same way
    void waitAnyReturnsTheChildAndEchildWhenNoneIsLeft() {
        int pid = RawChild.fork(() -> POSIX._exit(3));
        assertThat(POSIX.waitAny()).isEqualTo(new WaitStatus.Exited(pid, 3));
        assertThatThrownBy(POSIX::waitAny).isInstanceOfSatisfying(PosixException.class,
                e -> assertThat(e.error()).contains(Errno.ECHILD));
        assertThatThrownBy(POSIX::waitChild).isInstanceOfSatisfying(PosixException.class,
                e -> assertThat(e.errnoName()).isEqualTo("ECHILD"));
    }

    @Test
    void waitpidOnANonChildFailsWithEchild() {
        assertThatThrownBy(() -> POSIX.waitpid(1)).isInstanceOfSatisfying(PosixException.class, e -> {
            assertThat(e.errnoName()).isEqualTo("ECHILD");
            assertThat(e.errno()).isEqualTo(10);
            assertThat(e.call()).startsWith("waitpid(1");
            assertThat(e.getMessage()).contains("No child processes");
        });
    }

    @Test
    void processGroupAndSessionCalls() {
        int pid = RawChild.fork(() -> {
            POSIX.setpgid(0, 0);
            Native.libc().pause();
        });
        try {
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> POSIX.getpgid(pid) == pid)).isTrue();
            assertThat(POSIX.getsid(pid)).isEqualTo(POSIX.getsid(0));
            assertThat(POSIX.exists(pid)).isTrue();
            POSIX.killProcessGroup(pid, Signal.SIGKILL);
            assertThat(POSIX.waitProcessGroup(pid)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
        } finally {
            if (POSIX.exists(pid)) {
                POSIX.kill(pid, Signal.SIGKILL);
                POSIX.waitpid(pid);
            }
        }
        assertThat(POSIX.exists(pid)).isFalse();
        assertThatThrownBy(() -> POSIX.getpgid(pid)).isInstanceOfSatisfying(PosixException.class,
                e -> assertThat(e.errnoName()).isEqualTo("ESRCH"));
        assertThatThrownBy(() -> POSIX.kill(pid, Signal.SIGTERM)).isInstanceOfSatisfying(PosixException.class,
                e -> assertThat(e.getMessage()).isEqualTo("kill(" + pid + ", SIGTERM): ESRCH (No such process)"));
    }

    @Test
    void setsidInAChildMakesASessionLeader() {
        int pid = RawChild.fork(() -> {
            int sid = POSIX.setsid();
            POSIX._exit(sid == POSIX.getpid() && POSIX.getsid(0) == sid ? 0 : 1);
        });
        assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Exited(pid, 0));
        // The test JVM leads no group it did not create, but surefire may start it as a group leader.
        if (POSIX.getpgid(0) == POSIX.getpid()) {
            assertThatThrownBy(POSIX::setsid).isInstanceOfSatisfying(PosixException.class,
                    e -> assertThat(e.errnoName()).isEqualTo("EPERM"));
        }
    }

    /**
     * fork() failing: a child drops root, sets RLIMIT_NPROC to 0 and forks. The kernel answers EAGAIN and
     * the facade must turn it into a PosixException. The child reports what it caught in its exit code.
     */
    @Test
    void forkFailureSurfacesAsPosixExceptionWithEagain() {
        int pid = RawChild.fork(() -> {
            Native.libc().setrlimit(RawChild.RLIMIT_NPROC, new long[] {0, 0});
            if (Native.posix().getuid() == 0 && Native.libc().setuid(65534) != 0) {
                POSIX._exit(2);
            }
            try {
                int grandchild = POSIX.fork();
                if (grandchild == 0) {
                    POSIX._exit(0);
                }
                POSIX._exit(3);
            } catch (PosixException e) {
                POSIX._exit(e.call().equals("fork()") ? e.errno() : 4);
            }
        });
        assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Exited(pid, Errno.EAGAIN.number()));
    }

    @Test
    void badInputIsRefusedBeforeReachingTheKernel() {
        assertThatThrownBy(() -> POSIX.kill(0, Signal.SIGTERM)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kill(0)").hasMessageContaining("killProcessGroup");
        assertThatThrownBy(() -> POSIX.kill(-1, Signal.SIGKILL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kill(-1)").hasMessageContaining("every process");
        assertThatThrownBy(() -> POSIX.kill(-42, Signal.SIGKILL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-42").hasMessageContaining("process group 42");
        assertThatThrownBy(() -> POSIX.killProcessGroup(1, Signal.SIGKILL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("every process");
        assertThatThrownBy(() -> POSIX.killProcessGroup(0, Signal.SIGKILL)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> POSIX._exit(256)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("256").hasMessageContaining("0..255");
        assertThatThrownBy(() -> POSIX._exit(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> POSIX.waitpid(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("waitpid(0)");
        assertThatThrownBy(() -> POSIX.waitpid(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("waitAny");
        assertThatThrownBy(() -> POSIX.waitpid(1, WaitOption.WNOWAIT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("WNOWAIT");
        assertThatThrownBy(() -> POSIX.getpgid(-5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-5");
    }
}
