package io.forkj.it.signals;

import io.forkj.it.Subreaper;
import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.it.Kernel;
import io.forkj.it.RawChild;
import io.forkj.posix.internal.libc.Native;
import io.forkj.signals.ParentDeath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PR_SET_PDEATHSIG from a forked child: a grandchild dies with its parent. The test JVM is a subreaper so the
 * grandchild is adopted by it and can be observed and reaped.
 */
@ExtendWith(Subreaper.class)
class ParentDeathIT {
    private static final Posix POSIX = Posix.get();

    private static final int O_CLOEXEC = 0x80000;

    /** Links every call the children make: ParentDeath's own, and the pipe read and close of the test above. */
    @BeforeAll
    static void warmUp() {
        ParentDeath.warmUp();
        int[] pipe = new int[2];
        assertThat(Native.libc().pipe2(pipe, O_CLOEXEC)).isZero();
        assertThat(Native.libc().write(pipe[1], new byte[] {1}, 1)).isEqualTo(1);
        assertThat(Native.libc().read(pipe[0], new byte[1], 1)).isEqualTo(1);
        assertThat(Native.posix().close(pipe[1])).isZero();
        assertThat(Native.posix().close(pipe[0])).isZero();
    }

    @Test
    void aGrandchildWithTheOptionDiesWhenItsParentDies() {
        int middle = forkMiddle(true);
        int grandchild = grandchildOf(middle);
        POSIX.kill(middle, Signal.SIGKILL);
        assertThat(RawChild.reap(middle)).isEqualTo(new WaitStatus.Signaled(middle, Signal.SIGKILL, false));
        assertThat(RawChild.reap(grandchild)).as("adopted by the test JVM, killed by its parent's death")
                .isEqualTo(new WaitStatus.Signaled(grandchild, Signal.SIGKILL, false));
    }

    /** The control: without the option the grandchild outlives its parent. */
    @Test
    void withoutTheOptionTheGrandchildOutlivesItsParent() {
        int middle = forkMiddle(false);
        int grandchild = grandchildOf(middle);
        POSIX.kill(middle, Signal.SIGKILL);
        assertThat(RawChild.reap(middle)).isEqualTo(new WaitStatus.Signaled(middle, Signal.SIGKILL, false));
        assertThat(Kernel.ppid(grandchild)).as("adopted, alive").contains(Kernel.self());
        assertThat(Kernel.state(grandchild)).hasValueSatisfying(s -> assertThat(s).isNotEqualTo('Z'));
        POSIX.kill(grandchild, Signal.SIGKILL);
        assertThat(RawChild.reap(grandchild)).isEqualTo(new WaitStatus.Signaled(grandchild, Signal.SIGKILL, false));
    }

    /**
     * The race prctl(2) warns about, made real: the parent exits before the grandchild arms the option, so no
     * signal would ever come; arm() sees getppid() changed and sends the signal itself. The grandchild blocks on
     * a pipe until the test JVM has reaped the middle process (so the grandchild has been re-parented), then
     * arms. A blocking read, not a spin loop: a hot loop in a forked JVM child asks for a JIT compilation and can
     * block forever; and not end-of-file on the parent's pipe, which comes before the kernel re-parents.
     */
    @Test
    void armingAfterTheParentIsAlreadyGoneStillKills() {
        int[] go = new int[2];
        assertThat(Native.libc().pipe2(go, O_CLOEXEC)).isZero();
        byte[] buffer = new byte[1];
        int middle = RawChild.fork(() -> {
            int me = POSIX.getpid();
            if (POSIX.fork() == 0) {
                Native.libc().read(go[0], buffer, 1);
                ParentDeath.arm(me, Signal.SIGKILL);
                POSIX._exit(1);
            }
            POSIX._exit(0);
        });
        try {
            assertThat(RawChild.reap(middle)).isEqualTo(new WaitStatus.Exited(middle, 0));
            List<Integer> adopted = Kernel.children(Kernel.self());
            assertThat(adopted).hasSize(1);
            int grandchild = adopted.get(0);
            assertThat(Native.libc().write(go[1], new byte[] {1}, 1)).isEqualTo(1);
            assertThat(RawChild.reap(grandchild)).isEqualTo(new WaitStatus.Signaled(grandchild, Signal.SIGKILL, false));
        } finally {
            Native.posix().close(go[0]);
            Native.posix().close(go[1]);
        }
    }

    private static int forkMiddle(boolean withOption) {
        return RawChild.fork(() -> {
            int me = POSIX.getpid();
            if (POSIX.fork() == 0) {
                if (withOption && !ParentDeath.arm(me, Signal.SIGKILL)) {
                    POSIX._exit(2);
                }
                while (true) {
                    Native.libc().pause();
                }
            }
            while (true) {
                Native.libc().pause();
            }
        });
    }

    private static int grandchildOf(int middle) {
        assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.children(middle).size() == 1)).isTrue();
        return Kernel.children(middle).get(0);
    }
}
