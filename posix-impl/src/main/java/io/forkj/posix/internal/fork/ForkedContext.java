package io.forkj.posix.internal.fork;

import io.forkj.posix.internal.libc.Arguments;
import io.forkj.posix.internal.libc.FdWrites;
import io.forkj.posix.internal.libc.Native;

import io.forkj.posix.ChildContext;

/**
 * The {@link ChildContext} of one forked child: a UTF-8 encoder into a buffer allocated in the parent, and
 * {@code write(2)} with no Java lock. Encoding is written out by hand because {@code String.getBytes} may
 * take code paths (charset lookup, an encoder class) that the parent never ran.
 */
public final class ForkedContext implements ChildContext {
    private static final int CAPACITY = 4096;

    private final byte[] buffer = new byte[CAPACITY];
    private final int outFd;
    private final int errFd;

    /**
     * @param outFd 1 in a child; a {@code /dev/null} fd for the parent-side warm-up
     * @param errFd 2 in a child; a {@code /dev/null} fd for the parent-side warm-up
     */
    public ForkedContext(int outFd, int errFd) {
        this.outFd = outFd;
        this.errFd = errFd;
    }

    @Override
    public void out(String text) {
        write(outFd, text);
    }

    @Override
    public void err(String text) {
        write(errFd, text);
    }

    @Override
    public void out(long number) {
        drain(outFd, digits(number, buffer));
    }

    /** Writes the decimal form of {@code number} at the start of {@code into}; returns its length. */
    static int digits(long number, byte[] into) {
        int n = 0;
        long rest = number;
        if (rest < 0) {
            into[n++] = '-';
        }
        int start = n;
        do {
            into[n++] = (byte) ('0' + Math.abs(rest % 10));
            rest /= 10;
        } while (rest != 0);
        for (int i = start, j = n - 1; i < j; i++, j--) {
            byte t = into[i];
            into[i] = into[j];
            into[j] = t;
        }
        return n;
    }

    @Override
    public int getpid() {
        return Native.posix().getpid();
    }

    @Override
    public int getppid() {
        return Native.posix().getppid();
    }

    @Override
    public void exit(int status) {
        Arguments.exitStatus(status);
        Native.libc()._exit(status);
    }

    /**
     * Encodes {@code text} as UTF-8 (a lone surrogate becomes {@code '?'}, as {@code String.getBytes} does)
     * and writes it in buffer-sized pieces. Output is best effort: a write error other than EINTR drops the rest.
     */
    private void write(int fd, String text) {
        String s = text == null ? "null" : text;
        int n = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            if (n > CAPACITY - 4) {
                if (!drain(fd, n)) {
                    return;
                }
                n = 0;
            }
            char c = s.charAt(i);
            if (c < 0x80) {
                buffer[n++] = (byte) c;
            } else if (c < 0x800) {
                buffer[n++] = (byte) (0xc0 | (c >> 6));
                buffer[n++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buffer[n++] = (byte) (0xf0 | (cp >> 18));
                buffer[n++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                buffer[n++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                buffer[n++] = (byte) (0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                buffer[n++] = '?';
            } else {
                buffer[n++] = (byte) (0xe0 | (c >> 12));
                buffer[n++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                buffer[n++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        drain(fd, n);
    }

    private boolean drain(int fd, int n) {
        return FdWrites.writeFully(fd, buffer, n);
    }
}
