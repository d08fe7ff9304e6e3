package io.forkj.posix.internal.proc;

import java.nio.file.Path;

/**
 * {@code /proc/locks}: whether some process holds a lock on a file, read without taking (and so without
 * disturbing) the lock, as {@code lslocks} does. Lines of waiters ({@code "->"}) are not holders.
 */
public final class ProcLocks {

    private ProcLocks() {
    }

    /** True if any held lock (flock, POSIX or OFD) is on the file with device {@code dev} and inode {@code ino}. */
    public static boolean isLocked(long dev, long ino) {
        Path locks = ProcFs.system().file("locks");
        return isLocked(ProcFs.read(locks).orElseThrow(() -> new IllegalStateException(locks + " does not exist")), dev, ino);
    }

    /**
     * The parsing half of {@link #isLocked(long, long)}, on the text of {@code /proc/locks}. Each line reads
     * {@code "1: FLOCK  ADVISORY  WRITE 29325 fe:00:2154505 0 EOF"}: major and minor in hex, inode in decimal.
     */
    public static boolean isLocked(String text, long dev, long ino) {
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.contains("->")) {
                continue;
            }
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 6) {
                throw new IllegalArgumentException("not a locks line of proc: '" + line + "'");
            }
            String[] id = fields[5].split(":");
            if (id.length != 3) {
                throw new IllegalArgumentException("no major:minor:inode in locks line of proc: '" + line + "'");
            }
            long major = Long.parseLong(id[0], 16);
            long minor = Long.parseLong(id[1], 16);
            if (major == major(dev) && minor == minor(dev) && ProcParser.parseLong(id[2]) == ino) {
                return true;
            }
        }
        return false;
    }

    /** glibc's {@code major()} of a {@code dev_t}. */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    /** glibc's {@code minor()} of a {@code dev_t}. */
    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }
}
