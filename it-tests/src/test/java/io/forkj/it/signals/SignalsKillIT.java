package io.forkj.it.signals;

import io.forkj.Posix;
import io.forkj.ProcessIdentity;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.it.Kernel;
import io.forkj.it.RawChild;
import io.forkj.posix.internal.libc.Native;
import io.forkj.signals.Signals;
import io.forkj.signals.StaleProcessException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Identity-checked signalling: a pid that now belongs to another process is never signalled. */
class SignalsKillIT {
    private static final Posix POSIX = Posix.get();
    private static final Path LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");

    @Test
    void signalsTheProcessItNamesAndRefusesAWrongStartTime() {
        int pid = RawChild.fork(() -> Native.libc().pause());
        ProcessIdentity id = Signals.identify(pid).orElseThrow();
        assertThat(id.startTimeTicks()).as("field 22 of /proc/PID/stat").isEqualTo(Long.parseLong(Kernel.stat(pid).orElseThrow()[19]));

        // Simulated recycling: the right pid with another start time is what a recycled pid looks like.
        ProcessIdentity impostor = new ProcessIdentity(pid, id.startTimeTicks() + 1);
        assertThatThrownBy(() -> Signals.kill(impostor, Signal.SIGKILL)).isInstanceOfSatisfying(StaleProcessException.class, e -> {
            assertThat(e.isRecycled()).isTrue();
            assertThat(e.currentStartTime()).hasValue(id.startTimeTicks());
            assertThat(e.getMessage()).contains("refused to send SIGKILL to pid " + pid).contains("recycled");
        });
        assertThat(Kernel.state(pid)).as("the process behind the pid was not touched").hasValueSatisfying(s -> assertThat(s).isNotEqualTo('Z'));

        Signals.kill(id, Signal.SIGKILL);
        assertThat(RawChild.reap(pid)).isEqualTo(new WaitStatus.Signaled(pid, Signal.SIGKILL, false));
        assertThatThrownBy(() -> Signals.kill(id, Signal.SIGTERM)).isInstanceOfSatisfying(StaleProcessException.class,
                e -> assertThat(e.getMessage()).contains("is gone"));
        assertThatThrownBy(() -> Signals.identify(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Seconds since boot from /proc/uptime, in clock ticks (USER_HZ = 100 on Linux). */
    private static long uptimeTicks() {
        try {
            String up = Files.readString(Path.of("/proc/uptime"));
            return Math.round(Double.parseDouble(up.substring(0, up.indexOf(' '))) * 100);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Real recycling: the test makes the kernel give the dead process's pid to the next fork by writing
     * {@code /proc/sys/kernel/ns_last_pid} (another process may take the pid first; retried). That write needs
     * CAP_SYS_ADMIN (root): as a normal user the test is skipped, and CI runs it again under sudo.
     */
    @Test
    void aRealRecycledPidIsRefused() throws IOException {
        assumeTrue(hasCapSysAdmin(), "writing /proc/sys/kernel/ns_last_pid to recycle a pid needs CAP_SYS_ADMIN (root); "
                + "this user lacks it. CI runs the root-only tests with sudo");
        ProcessIdentity id = null;
        int reused = -1;
        // Another task (a process elsewhere, or a thread the JVM starts) may take the pid first; then start over
        // with a new victim.
        for (int round = 0; round < 50 && (id == null || reused != id.pid()); round++) {
            int old = RawChild.fork(() -> Native.libc().pause());
            id = Signals.identify(old).orElseThrow();
            POSIX.kill(old, Signal.SIGKILL);
            assertThat(RawChild.reap(old)).isEqualTo(new WaitStatus.Signaled(old, Signal.SIGKILL, false));
            // The identity's start time has a resolution of one clock tick (10 ms): a pid reused within the same
            // tick is indistinguishable, for psutil as for forkj. Let the clock move on first.
            long start = id.startTimeTicks();
            assertThat(Kernel.await(Duration.ofSeconds(2), () -> uptimeTicks() > start + 1)).isTrue();
            for (int attempt = 0; attempt < 20 && reused != old && !Files.exists(Path.of("/proc", Integer.toString(old))); attempt++) {
                Files.writeString(LAST_PID, Integer.toString(old - 1));
                reused = RawChild.fork(() -> Native.libc().pause());
                if (reused != old) {
                    POSIX.kill(reused, Signal.SIGKILL);
                    RawChild.reap(reused);
                }
            }
        }
        ProcessIdentity victim = id;
        assertThat(reused).as("the kernel handed out pid %d again", victim.pid()).isEqualTo(victim.pid());
        int now = reused;
        try {
            ProcessIdentity current = Signals.identify(now).orElseThrow();
            assertThat(current.startTimeTicks()).isGreaterThan(victim.startTimeTicks());
            assertThatThrownBy(() -> Signals.kill(victim, Signal.SIGKILL)).isInstanceOfSatisfying(StaleProcessException.class, e -> {
                assertThat(e.isRecycled()).isTrue();
                assertThat(e.expected()).isEqualTo(victim);
                assertThat(e.currentStartTime()).hasValue(current.startTimeTicks());
            });
            assertThat(Kernel.state(now)).hasValueSatisfying(s -> assertThat(s).isNotEqualTo('Z'));
        } finally {
            POSIX.kill(now, Signal.SIGKILL);
            assertThat(RawChild.reap(now)).isEqualTo(new WaitStatus.Signaled(now, Signal.SIGKILL, false));
        }
    }

    /** Bit 21 of CapEff in /proc/self/status: the capability the kernel checks for a write to ns_last_pid. */
    private static boolean hasCapSysAdmin() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 21)) != 0;
            }
        }
        return false;
    }
}
