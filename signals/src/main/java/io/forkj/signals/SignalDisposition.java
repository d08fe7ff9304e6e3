package io.forkj.signals;

import io.forkj.Signal;
import io.forkj.signals.internal.LinuxStructs;
import jnr.ffi.Pointer;

import java.util.Arrays;

/**
 * A snapshot of one signal's {@code struct sigaction}: what {@code sigaction(sig, NULL, &old)} returns in C,
 * what Python's {@code signal.getsignal} returns (plus mask and flags). Handing it back to
 * {@link Signals#restore(SignalDisposition)} reinstalls exactly these bytes: handler, mask, flags and restorer.
 */
public final class SignalDisposition {
    private final Signal signal;
    private final byte[] raw;

    SignalDisposition(Signal signal, byte[] raw) {
        this.signal = signal;
        this.raw = raw.clone();
    }

    /** The signal this disposition belongs to. */
    public Signal signal() {
        return signal;
    }

    /** {@code sa_handler}: 0 is {@code SIG_DFL}, 1 is {@code SIG_IGN}, anything else a handler's address. */
    public long handler() {
        return LinuxStructs.handler(pointer());
    }

    /** {@code sa_flags} ({@code SA_NOCLDWAIT} is 2, {@code SA_NOCLDSTOP} 1, {@code SA_RESTART} 0x10000000). */
    public int flags() {
        return LinuxStructs.flags(pointer());
    }

    /** {@code sa_mask}: bit {@code n - 1} set when signal {@code n} is blocked while the handler runs. */
    public long mask() {
        return LinuxStructs.mask(pointer());
    }

    /** {@code sa_restorer}, which glibc fills in itself. */
    public long restorer() {
        return LinuxStructs.restorer(pointer());
    }

    /** True for {@code SIG_DFL}. */
    public boolean isDefault() {
        return handler() == LinuxStructs.SIG_DFL;
    }

    /** True for {@code SIG_IGN}. */
    public boolean isIgnored() {
        return handler() == LinuxStructs.SIG_IGN;
    }

    /** True when a function is installed (the JVM's own handlers for SIGSEGV, SIGTERM, ... count). */
    public boolean hasHandler() {
        return !isDefault() && !isIgnored();
    }

    /** True when {@code SA_NOCLDWAIT} is set: the kernel reaps children itself. */
    public boolean noChildWait() {
        return (flags() & LinuxStructs.SA_NOCLDWAIT) != 0;
    }

    Pointer pointer() {
        return LinuxStructs.fromBytes(raw);
    }

    /**
     * Equal when signal, handler, the 64 signal bits of the mask, flags and restorer are equal: the fields the
     * kernel keeps. (The unused tail of glibc's 128-byte {@code sigset_t} is not compared.)
     */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SignalDisposition)) {
            return false;
        }
        SignalDisposition d = (SignalDisposition) o;
        return signal.equals(d.signal) && handler() == d.handler() && mask() == d.mask() && flags() == d.flags()
                && restorer() == d.restorer();
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new long[] {signal.number(), handler(), mask(), flags(), restorer()});
    }

    @Override
    public String toString() {
        String h = isDefault() ? "SIG_DFL" : isIgnored() ? "SIG_IGN" : String.format("handler@0x%x", handler());
        return signal.name() + "{" + h + String.format(", flags=0x%x, mask=0x%x}", flags(), mask());
    }
}
