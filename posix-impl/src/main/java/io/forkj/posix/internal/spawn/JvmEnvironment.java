package io.forkj.posix.internal.spawn;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * This JVM's environment ({@link System#getenv()}, which Java reads once at startup and never changes) as a
 * NULL-terminated {@code envp} array in native memory, built on first use and kept for the JVM's life. Passing
 * the strings as a Java array instead made jnr-ffi encode and allocate each one again on every spawn: 35
 * variables cost a spawn ~20 µs of its ~0.75 ms here (2026-11-29, {@code SpawnCall} with the full environment
 * against one variable, 5 rounds of 2,000). Encoded as jnr-ffi encodes a {@code String[]}: the default charset.
 */
final class JvmEnvironment {
    private static final Pointer ENVP = encode(System.getenv());

    private JvmEnvironment() {
    }

    /** The {@code envp} array: valid for the JVM's life, never written after it was built. */
    static Pointer envp() {
        return ENVP;
    }

    private static Pointer encode(Map<String, String> environment) {
        Charset charset = Charset.defaultCharset();
        List<byte[]> strings = new ArrayList<>(environment.size());
        int bytes = 0;
        for (Map.Entry<String, String> e : environment.entrySet()) {
            byte[] s = (e.getKey() + "=" + e.getValue()).getBytes(charset);
            strings.add(s);
            bytes += s.length + 1;
        }
        Runtime runtime = Runtime.getSystemRuntime();
        int addressSize = runtime.addressSize();
        int table = (strings.size() + 1) * addressSize;
        // One block, pointer table first and the strings after it, zeroed: every string ends in its NUL and the
        // table in its NULL.
        Pointer block = Memory.allocateDirect(runtime, table + bytes, true);
        long offset = table;
        for (int i = 0; i < strings.size(); i++) {
            byte[] s = strings.get(i);
            block.put(offset, s, 0, s.length);
            block.putAddress((long) i * addressSize, block.address() + offset);
            offset += s.length + 1;
        }
        return block;
    }
}
