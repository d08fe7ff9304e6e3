package io.forkj.multiprocessing.internal;

import io.forkj.posix.internal.libc.FdWrites;

import java.io.OutputStream;

/**
 * An unbuffered {@link OutputStream} over {@code write(2)} on one fd, with no Java lock of its own: the base of
 * the {@code System.out} and {@code System.err} a FORK child gets. Its scratch buffer is allocated with it, in
 * the parent, so a write in the child allocates nothing.
 */
public final class FdOutputStream extends OutputStream {
    private final int fd;
    private final byte[] scratch = new byte[8192];

    /** A stream writing to {@code fd}. */
    public FdOutputStream(int fd) {
        this.fd = fd;
    }

    @Override
    public void write(int b) {
        scratch[0] = (byte) b;
        drain(1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        int done = 0;
        while (done < len) {
            int n = Math.min(scratch.length, len - done);
            System.arraycopy(b, off + done, scratch, 0, n);
            if (!drain(n)) {
                return;
            }
            done += n;
        }
    }

    /** Writes {@code scratch[0, n)} fully; output is best effort, as a dead terminal must not end the child. */
    private boolean drain(int n) {
        return FdWrites.writeFully(fd, scratch, n);
    }
}
