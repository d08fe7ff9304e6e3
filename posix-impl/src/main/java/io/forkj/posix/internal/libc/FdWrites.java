package io.forkj.posix.internal.libc;

import io.forkj.posix.internal.fork.ForkedContext;

/**
 * {@code write(2)} of a whole buffer, safe in a forked child: no Java lock, no allocation, no class to load once
 * the guarded fork's warm-up has run it ({@link ForkedContext} writes through it). The binding has no offset
 * argument, so a short write moves the rest to the front of the caller's buffer.
 */
public final class FdWrites {
    private static final int EINTR = 4;

    private FdWrites() {
    }

    /**
     * Writes {@code buffer[0, n)} to {@code fd} fully, retrying on EINTR. Output is best effort: any other error
     * stops it (a closed terminal must not end a child), and the buffer's content is then undefined.
     *
     * @return false if a write failed
     */
    public static boolean writeFully(int fd, byte[] buffer, int n) {
        int left = n;
        while (left > 0) {
            long written = Native.libc().write(fd, buffer, left);
            if (written < 0) {
                if (Native.errno() == EINTR) {
                    continue;
                }
                return false;
            }
            left -= (int) written;
            if (left > 0) {
                System.arraycopy(buffer, (int) written, buffer, 0, left);
            }
        }
        return true;
    }
}
