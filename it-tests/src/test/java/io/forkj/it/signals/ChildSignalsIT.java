package io.forkj.it.signals;

import io.forkj.Posix;
import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.it.Kernel;
import io.forkj.it.RawChild;
import io.forkj.posix.internal.libc.Native;
import io.forkj.signals.ChildSignals;
import io.forkj.signals.SignalDisposition;
import io.forkj.signals.Signals;
import io.forkj.signals.internal.ChildScan;
import io.forkj.signals.internal.LinuxStructs;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SIGCHLD dispositions against the real kernel: who reaps, and whether the previous state comes back exactly. */
class ChildSignalsIT {
    private static final Posix POSIX = Posix.get();
    private SignalDisposition original;

    @BeforeEach
    void remember() {
        original = ChildSignals.current();
    }

    /** Every test leaves SIGCHLD as it found it: an ignored SIGCHLD would break every later test's reaping. */
    @AfterEach
    void putBack() {
        ChildSignals.restore();
        if (!ChildSignals.current().equals(original)) {
            Signals.restore(original);
        }
        assertThat(ChildSignals.current()).isEqualTo(original);
    }

    @Test
    void withSigchldIgnoredNoChildIsEverAZombieAndWaitFailsWithEchild() {
        assertThat(original.isDefault()).as("the JVM runs with SIGCHLD at SIG_DFL").isTrue();
        SignalDisposition previous = ChildSignals.ignore();
        assertThat(previous).isEqualTo(original);
        assertThat(ChildSignals.current().isIgnored()).isTrue();

        int self = Kernel.self();
        List<Integer> pids = new ArrayList<>();
        List<String> zombiesSeen = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            pids.add(Spawn.program("true"));
            scanForZombies(self, zombiesSeen);
        }
        boolean allGone = Kernel.await(Duration.ofSeconds(20), () -> {
            scanForZombies(self, zombiesSeen);
            return Kernel.children(self).isEmpty();
        });
        assertThat(allGone).as("all 100 children reaped by the kernel; left: %s", Kernel.children(self)).isTrue();
        assertThat(zombiesSeen).as("zombies seen while 100 children exited under SIG_IGN").isEmpty();
        assertThatThrownBy(POSIX::waitAny).isInstanceOfSatisfying(PosixException.class,
                e -> assertThat(e.errnoName()).isEqualTo("ECHILD"));

        assertThat(ChildSignals.restore()).isTrue();
        assertThat(ChildSignals.current()).isEqualTo(original);

        int pid = RawChild.fork(() -> POSIX._exit(5));
        assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.state(pid).orElse('?') == 'Z'))
                .as("after restore() an exited child is a zombie").isTrue();
        assertThat(Kernel.state(pid)).as("and stays one until reaped").contains('Z');
        assertThat(POSIX.waitpid(pid)).isEqualTo(new WaitStatus.Exited(pid, 5));
        assertThat(Kernel.state(pid)).isEmpty();
    }

    /**
     * Records children that are zombies and stay zombies. The kernel marks an exiting child EXIT_ZOMBIE and, when
     * the parent ignores SIGCHLD, turns it into EXIT_DEAD a few instructions later under tasklist_lock; /proc reads
     * the state without that lock, so a scan can catch the 'Z' in between. A real zombie is still one 100 ms later.
     */
    private static void scanForZombies(int self, List<String> zombiesSeen) {
        for (int child : Kernel.children(self)) {
            if (Kernel.state(child).orElse('?') == 'Z'
                    && !Kernel.await(Duration.ofMillis(100), () -> Kernel.state(child).orElse('?') != 'Z')) {
                zombiesSeen.add(child + ":Z");
            }
        }
    }

    @Test
    void noZombiesKeepsHandlerAndMaskAndAddsSaNocldwait() {
        ChildSignals.noZombies();
        SignalDisposition now = ChildSignals.current();
        assertThat(now.handler()).isEqualTo(original.handler());
        assertThat(now.mask()).isEqualTo(original.mask());
        assertThat(now.flags()).isEqualTo(original.flags() | LinuxStructs.SA_NOCLDWAIT);
        assertThat(now.noChildWait()).isTrue();

        int self = Kernel.self();
        List<String> zombiesSeen = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Spawn.program("sh", "-c", "exit 1");
            scanForZombies(self, zombiesSeen);
        }
        assertThat(Kernel.await(Duration.ofSeconds(20), () -> {
            scanForZombies(self, zombiesSeen);
            return Kernel.children(self).isEmpty();
        })).isTrue();
        assertThat(zombiesSeen).isEmpty();
        assertThatThrownBy(POSIX::waitAny).isInstanceOfSatisfying(PosixException.class,
                e -> assertThat(e.errnoName()).isEqualTo("ECHILD"));
    }

    /** restore() must bring back a non-trivial disposition byte for byte: handler, mask and flags. */
    @Test
    void restorePutsBackExactlyTheStructThatWasThere() {
        Pointer act = LinuxStructs.sigaction(LinuxStructs.SIG_DFL, LinuxStructs.SA_NOCLDSTOP | LinuxStructs.SA_RESTART);
        long mask = (1L << (Signal.SIGUSR1.number() - 1)) | (1L << (Signal.SIGUSR2.number() - 1));
        LinuxStructs.setMask(act, mask);
        assertThat(Native.libc().sigaction(Signal.SIGCHLD.number(), act, null)).isZero();
        SignalDisposition custom = ChildSignals.current();
        assertThat(custom.mask()).isEqualTo(mask);
        assertThat(custom.flags() & (LinuxStructs.SA_NOCLDSTOP | LinuxStructs.SA_RESTART))
                .isEqualTo(LinuxStructs.SA_NOCLDSTOP | LinuxStructs.SA_RESTART);

        ChildSignals.ignore();
        ChildSignals.noZombies();
        assertThat(ChildSignals.current()).isNotEqualTo(custom);
        assertThat(ChildSignals.current().isIgnored()).isTrue();
        assertThat(ChildSignals.restore()).isTrue();
        assertThat(ChildSignals.current()).isEqualTo(custom);
        assertThat(ChildSignals.restore()).as("nothing left to restore").isFalse();
        Signals.restore(original);
    }

    @Test
    void refusesWhileAJavaLangProcessChildIsAliveAndSaysWhy() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        int pid = (int) sleeper.pid();
        try {
            assertThat(ChildSignals.jdkProcessChildren()).contains(pid);
            assertThatThrownBy(ChildSignals::ignore).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(String.valueOf(pid))
                    .hasMessageContaining("java.lang.Process")
                    .hasMessageContaining("ECHILD")
                    .hasMessageContaining("ALLOW_WITH_JDK_PROCESSES");
            assertThatThrownBy(ChildSignals::noZombies).isInstanceOf(IllegalStateException.class);
            assertThat(ChildSignals.current()).isEqualTo(original);
            // The JDK's process reaper thread sits in waitpid(pid) for the child's life: the evidence the rule
            // uses even for a child that runs this JVM's own binary.
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> ChildScan.awaited().contains(pid))).isTrue();
        } finally {
            sleeper.destroy();
            assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(sleeper.exitValue()).isEqualTo(128 + 15);
    }

    /** What the refusal protects: with the override, the JDK reports 0 for a child that exited with 3. */
    @Test
    void theOverrideShowsWhyTheJdkNeedsSigchld() throws Exception {
        ChildSignals.ignore(ChildSignals.Option.ALLOW_WITH_JDK_PROCESSES);
        Process p = new ProcessBuilder("sh", "-c", "exit 3").start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("the kernel discarded the status; the JDK got ECHILD").isZero();
        ChildSignals.restore();

        Process q = new ProcessBuilder("sh", "-c", "exit 3").start();
        assertThat(q.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(q.exitValue()).isEqualTo(3);
    }

    @Test
    void forkjChildrenDoNotBlockIgnore() {
        int pid = RawChild.fork(() -> Native.libc().pause());
        try {
            assertThat(ChildSignals.jdkProcessChildren()).doesNotContain(pid);
            ChildSignals.ignore();
            assertThat(ChildSignals.current().isIgnored()).isTrue();
            ChildSignals.restore();
        } finally {
            POSIX.kill(pid, Signal.SIGKILL);
        }
        assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
    }

    @Test
    void otherDispositionsRoundTripAndBadInputIsRefused() {
        SignalDisposition winch = Signals.disposition(Signal.SIGWINCH);
        assertThat(winch.isDefault()).isTrue();
        assertThat(Signals.ignore(Signal.SIGWINCH)).isEqualTo(winch);
        assertThat(Signals.disposition(Signal.SIGWINCH).isIgnored()).isTrue();
        Signals.restore(winch);
        assertThat(Signals.disposition(Signal.SIGWINCH)).isEqualTo(winch);

        assertThatThrownBy(() -> Signals.ignore(Signal.SIGKILL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SIGKILL cannot be caught, blocked or ignored");
        assertThatThrownBy(() -> Signals.setDefault(Signal.SIGSTOP, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SIGSTOP cannot be caught");
        assertThatThrownBy(() -> Signals.ignore(Signal.SIGSEGV)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("JVM handles SIGSEGV");
        assertThatThrownBy(() -> Signals.ignore(Signal.SIGCHLD)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ChildSignals.ignore()");
        assertThatThrownBy(() -> Signals.ignore(Signal.of(32))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reserved by glibc");
        SignalDisposition term = Signals.disposition(Signal.SIGTERM);
        assertThat(term.hasHandler()).as("the JVM handles SIGTERM for its shutdown hooks").isTrue();
        assertThatThrownBy(() -> Signals.ignore(Signal.SIGTERM)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("handler is installed");
        assertThat(Signals.disposition(Signal.SIGTERM)).isEqualTo(term);
        assertThatThrownBy(() -> Signal.of(65)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65");
        assertThatThrownBy(() -> Signal.of(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..64");
        assertThatThrownBy(() -> Signal.of(-9)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-9");
    }
}
