package io.forkj.posix.internal.libc;

/**
 * NUL-terminated paths with a number inside ({@code /proc/PID/stat}, {@code /proc/self/fd/N}) built digit by digit,
 * for code a FORK child runs: no {@code String}, no charset, nothing a parent thread may have held at the fork.
 */
public final class CPath {
    private CPath() {
    }

    /**
     * {@code prefix}, the decimal digits of {@code number}, then {@code suffix}, which must end in the NUL.
     *
     * @throws IllegalArgumentException if {@code number} is negative or {@code suffix} does not end in a NUL
     */
    public static byte[] numbered(byte[] prefix, long number, byte[] suffix) {
        if (number < 0) {
            throw new IllegalArgumentException("a path number must not be negative: " + number);
        }
        if (suffix.length == 0 || suffix[suffix.length - 1] != 0) {
            throw new IllegalArgumentException("the suffix must end in a NUL byte");
        }
        int digits = 1;
        for (long v = number; v >= 10; v /= 10) {
            digits++;
        }
        byte[] path = new byte[prefix.length + digits + suffix.length];
        System.arraycopy(prefix, 0, path, 0, prefix.length);
        for (long v = number, i = prefix.length + digits - 1; i >= prefix.length; i--, v /= 10) {
            path[(int) i] = (byte) ('0' + v % 10);
        }
        System.arraycopy(suffix, 0, path, prefix.length + digits, suffix.length);
        return path;
    }
}
