package io.forkj.posix.internal.proc;

/**
 * One line of {@code /proc/PID/maps}, parsed by {@link ProcParser#maps(CharSequence)}.
 *
 * @param start  first address
 * @param end    address past the last byte
 * @param perms  {@code rwxp} or {@code rwxs}: the fourth letter says private (copy-on-write) or shared
 * @param offset offset in the file mapped
 * @param path   what is mapped ({@code /usr/lib/.../libjvm.so}, {@code [heap]}, {@code /memfd:java_heap (deleted)}), or
 *               "" for an anonymous mapping
 */
public record Mapping(long start, long end, String perms, long offset, String path) {
    /** Whether a fork shares this mapping with the child instead of copying it: the child's writes land here. */
    public boolean shared() {
        return perms.length() > 3 && perms.charAt(3) == 's';
    }

    /** Whether this process may write to it. */
    public boolean writable() {
        return perms.length() > 1 && perms.charAt(1) == 'w';
    }
}
