package io.forkj.posix.internal.libc;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Raw {@code sigset_t} memory (glibc: 1024 bits, 128 bytes), filled in Java so no {@code sigaddset} call or
 * struct class is needed in a forked child. Bit {@code n - 1} of the first 64-bit word is signal {@code n}.
 */
public final class Sigsets {
    /** {@code sizeof(sigset_t)} in glibc. */
    public static final int SIZE = 128;

    private Sigsets() {
    }

    /** A set holding the given signal numbers (1..64). */
    public static Pointer of(int... signals) {
        long bits = 0;
        for (int s : signals) {
            bits |= 1L << (s - 1);
        }
        return ofBits(bits);
    }

    /** A set with exactly the bits given for signals 1..64. */
    public static Pointer ofBits(long bits) {
        Pointer set = Memory.allocateDirect(Runtime.getSystemRuntime(), SIZE, true);
        set.putLong(0, bits);
        return set;
    }
}
