package io.forkj.signals.internal;

import io.forkj.Signal;
import io.forkj.WaitStatus;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The siginfo_t decoding and the glibc/kernel sigaction conversion, on hand-built structs. */
class LinuxStructsTest {

    private static Pointer siginfo(int code, int pid, int status) {
        Pointer p = LinuxStructs.allocate(LinuxStructs.SIGINFO_SIZE);
        p.putInt(0, Signal.SIGCHLD.number());
        p.putInt(8, code);
        p.putInt(16, pid);
        p.putInt(24, status);
        return p;
    }

    @Test
    void decodesEveryCldCode() {
        assertThat(LinuxStructs.waitStatus(siginfo(1, 42, 3))).isEqualTo(new WaitStatus.Exited(42, 3));
        assertThat(LinuxStructs.waitStatus(siginfo(2, 42, 9))).isEqualTo(new WaitStatus.Signaled(42, Signal.SIGKILL, false));
        assertThat(LinuxStructs.waitStatus(siginfo(3, 42, 11))).isEqualTo(new WaitStatus.Signaled(42, Signal.SIGSEGV, true));
        assertThat(LinuxStructs.waitStatus(siginfo(4, 42, 5))).isEqualTo(new WaitStatus.Stopped(42, Signal.SIGTRAP));
        assertThat(LinuxStructs.waitStatus(siginfo(5, 42, 19))).isEqualTo(new WaitStatus.Stopped(42, Signal.SIGSTOP));
        assertThat(LinuxStructs.waitStatus(siginfo(6, 42, 18))).isEqualTo(new WaitStatus.Continued(42));
    }

    @Test
    void zeroPidMeansNoChangeAndUnknownCodesAreRefused() {
        Pointer p = siginfo(1, 42, 0);
        LinuxStructs.clearSiginfo(p);
        assertThat(LinuxStructs.waitStatus(p)).isSameAs(WaitStatus.NoChange.INSTANCE);
        assertThatThrownBy(() -> LinuxStructs.waitStatus(siginfo(99, 42, 0))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("si_code 99");
    }

    /** Reads SIGWINCH through rt_sigaction, changes it, and puts the exact struct back. */
    @Test
    void rtSigactionRoundTripsHandlerFlagsAndMask() {
        int winch = Signal.SIGWINCH.number();
        Pointer before = LinuxStructs.allocate(LinuxStructs.SIGACTION_SIZE);
        assertThat(LinuxStructs.rtSigaction(winch, null, before)).isZero();
        Pointer act = LinuxStructs.sigaction(LinuxStructs.SIG_IGN, LinuxStructs.SA_RESTART);
        LinuxStructs.setMask(act, 1L << (Signal.SIGUSR1.number() - 1));
        Pointer old = LinuxStructs.allocate(LinuxStructs.SIGACTION_SIZE);
        assertThat(LinuxStructs.rtSigaction(winch, act, old)).isZero();
        assertThat(LinuxStructs.handler(old)).isEqualTo(LinuxStructs.handler(before));
        Pointer now = LinuxStructs.allocate(LinuxStructs.SIGACTION_SIZE);
        assertThat(LinuxStructs.rtSigaction(winch, before, now)).isZero();
        assertThat(LinuxStructs.handler(now)).isEqualTo(LinuxStructs.SIG_IGN);
        assertThat(LinuxStructs.flags(now)).isEqualTo(LinuxStructs.SA_RESTART);
        assertThat(LinuxStructs.mask(now)).isEqualTo(1L << (Signal.SIGUSR1.number() - 1));
        Pointer after = LinuxStructs.allocate(LinuxStructs.SIGACTION_SIZE);
        assertThat(LinuxStructs.rtSigaction(winch, null, after)).isZero();
        assertThat(LinuxStructs.bytes(after, LinuxStructs.SIGACTION_SIZE))
                .isEqualTo(LinuxStructs.bytes(before, LinuxStructs.SIGACTION_SIZE));
    }
}
