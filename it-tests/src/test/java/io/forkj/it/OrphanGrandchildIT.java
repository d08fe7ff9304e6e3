package io.forkj.it;

import io.forkj.WaitStatus;
import io.forkj.posix.Daemon;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's two-level fork: the grandchild is an orphan adopted by the subreaper (this JVM), the middle child
 * is already reaped when {@link Daemon#orphanGrandchild(Runnable)} returns, and the body's outcome is the
 * grandchild's exit status.
 */
@ExtendWith(Subreaper.class)
class OrphanGrandchildIT {
    private static final LinuxLibC LIBC = Native.libc();
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    static {
        // the bodies below run these calls in a forked JVM copy: run them here first
        LIBC.read(-1, new byte[1], 0);
        LIBC.write(-1, new byte[1], 0);
    }

    @Test
    void theGrandchildIsAnOrphanAdoptedByTheSubreaperAndTheChildIsReaped() {
        int[] gate = new int[2];
        int[] done = new int[2];
        assertThat(LIBC.pipe2(gate, 0)).isZero();
        assertThat(LIBC.pipe2(done, 0)).isZero();
        byte[] one = new byte[1];
        try {
            int pid = Daemon.orphanGrandchild(() -> {
                LIBC.write(done[1], one, 1);  // the body ran
                LIBC.read(gate[0], one, 1);   // wait until the test has looked
            });
            byte[] mark = new byte[1];
            assertThat(LIBC.read(done[0], mark, 1)).as("the body ran").isEqualTo(1);
            assertThat(Kernel.ppid(pid)).as("adopted by the subreaper").contains(Kernel.self());
            assertThat(Kernel.children(Kernel.self())).as("the middle child is already reaped").containsExactly(pid);
            assertThat(Kernel.state(pid)).contains('S');
            assertThat(LIBC.write(gate[1], mark, 1)).as("let the body end").isEqualTo(1);
            assertThat(RawChild.reap(pid, DEADLINE)).isEqualTo(new WaitStatus.Exited(pid, 0));
        } finally {
            for (int fd : new int[] {gate[0], gate[1], done[0], done[1]}) {
                if (fd >= 0) {
                    Native.posix().close(fd);
                }
            }
        }
    }

    @Test
    void aBodyThatThrowsExitsSeventy() {
        // Built here, thrown there: constructing a Throwable is code the child would run for the first time
        // (the rule Daemon.orphanGrandchild documents); on JDK 25 that stalled the grandchild 1 run in 3.
        IllegalStateException fromTheBody = new IllegalStateException("from the body");
        int pid = Daemon.orphanGrandchild(() -> {
            throw fromTheBody;
        });
        assertThat(RawChild.reap(pid, DEADLINE)).isEqualTo(new WaitStatus.Exited(pid, 70));
    }
}
