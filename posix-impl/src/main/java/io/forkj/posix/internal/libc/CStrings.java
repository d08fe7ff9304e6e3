package io.forkj.posix.internal.libc;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * NULL-terminated arrays of C strings ({@code argv}, {@code envp}) in native memory that outlives a call: one
 * allocation per array, its pointer table first and the strings after it. The one place that lays them out.
 */
public final class CStrings {
    private CStrings() {
    }

    /** An environment as {@code envp} holds it: one {@code NAME=value} entry per variable, in the map's order. */
    public static List<String> environment(Map<String, String> variables) {
        List<String> entries = new ArrayList<>(variables.size());
        variables.forEach((name, value) -> entries.add(name + "=" + value));
        return entries;
    }

    /**
     * {@code strings} encoded with {@code charset}, each ending in NUL, behind a table of their addresses ending in
     * NULL. The memory lives as long as the returned pointer is reachable.
     */
    public static Pointer array(List<String> strings, Charset charset) {
        List<byte[]> encoded = new ArrayList<>(strings.size());
        long bytes = 0;
        for (String s : strings) {
            byte[] b = s.getBytes(charset);
            encoded.add(b);
            bytes += b.length + 1;
        }
        Runtime runtime = Runtime.getSystemRuntime();
        int addressSize = runtime.addressSize();
        long table = (long) (encoded.size() + 1) * addressSize;
        // Zeroed: every string ends in its NUL and the table in its NULL.
        Pointer block = Memory.allocateDirect(runtime, Math.toIntExact(table + bytes), true);
        long offset = table;
        for (int i = 0; i < encoded.size(); i++) {
            byte[] b = encoded.get(i);
            block.put(offset, b, 0, b.length);
            block.putAddress((long) i * addressSize, block.address() + offset);
            offset += b.length + 1;
        }
        return block;
    }
}
