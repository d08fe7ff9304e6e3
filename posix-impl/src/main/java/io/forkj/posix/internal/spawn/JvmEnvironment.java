package io.forkj.posix.internal.spawn;

import io.forkj.posix.internal.libc.CStrings;
import jnr.ffi.Pointer;

import java.nio.charset.Charset;

/**
 * This JVM's environment ({@link System#getenv()}, which Java reads once at startup and never changes) as a
 * NULL-terminated {@code envp} array in native memory, built on first use and kept for the JVM's life. Passing
 * the strings as a Java array instead made jnr-ffi encode and allocate each one again on every spawn: 35
 * variables cost a spawn ~20 µs of its ~0.75 ms here (2026-11-29, {@code SpawnCall} with the full environment
 * against one variable, 5 rounds of 2,000). Encoded as jnr-ffi encodes a {@code String[]}: the default charset.
 */
final class JvmEnvironment {
    private static final Pointer ENVP = CStrings.array(CStrings.environment(System.getenv()), Charset.defaultCharset());

    private JvmEnvironment() {
    }

    /** The {@code envp} array: valid for the JVM's life, never written after it was built. */
    static Pointer envp() {
        return ENVP;
    }
}
