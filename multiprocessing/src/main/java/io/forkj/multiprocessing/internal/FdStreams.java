package io.forkj.multiprocessing.internal;

import io.forkj.PosixException;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Streams on a duplicate of an fd, over {@link FdIo}'s {@code read(2)}/{@code write(2)}: what a FORK child uses
 * instead of {@code new FileInputStream("/proc/self/fd/N")}. Every file the JDK opens by name registers with its
 * common {@code Cleaner} under a Java monitor that the parent's cleaner thread may have held at the fork, and a
 * child that needs it then waits for ever (a FORK child's lock-liveness check stalled exactly so on CI). Closing
 * a stream closes its duplicate only. Errors are {@link IOException}s naming the call and errno.
 */
public final class FdStreams {
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final byte[] NO_HEAD = new byte[0];
    private static boolean warm;

    private FdStreams() {
    }

    /** Once per JVM, before the first FORK child that opens one: both streams' paths run here first, on a pipe. */
    public static synchronized void warmUp() {
        if (warm) {
            return;
        }
        int[] fds = new int[2];
        if (Native.libc().pipe2(fds, LinuxLibC.Flags.O_CLOEXEC) != 0) {
            throw new PosixException("pipe2", Native.errno());
        }
        try (InputStream in = input(fds[0]); OutputStream out = output(fds[1])) {
            out.write(7);
            out.write(new byte[] {1, 2, 3}, 1, 2);
            out.flush();
            in.read();
            in.read(new byte[4], 1, 3);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            FdIo.close(fds[0]);
            FdIo.close(fds[1]);
        }
        warm = true;
    }

    /** A stream reading from a close-on-exec duplicate of {@code fd}. */
    public static InputStream input(int fd) throws IOException {
        return new Input(duplicate(fd));
    }

    /** A stream writing, unbuffered, to a close-on-exec duplicate of {@code fd}. */
    public static OutputStream output(int fd) throws IOException {
        return new Output(duplicate(fd));
    }

    private static int duplicate(int fd) throws IOException {
        int copy = Native.libc().fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (copy < 0) {
            throw failure(new PosixException("fcntl(" + fd + ", F_DUPFD_CLOEXEC)", Native.errno()));
        }
        return copy;
    }

    private static IOException failure(PosixException e) {
        return new IOException(e.getMessage(), e);
    }

    /** The duplicate fd and the native buffer every call goes through, freed at close. */
    private static final class End {
        final int fd;
        long buffer = FdIo.allocateBuffer();

        End(int fd) {
            this.fd = fd;
        }

        long open() throws IOException {
            if (buffer == 0) {
                throw new IOException("stream on fd " + fd + " is closed");
            }
            return buffer;
        }

        void release() throws IOException {
            if (buffer == 0) {
                return;
            }
            FdIo.freeBuffer(buffer);
            buffer = 0;
            try {
                FdIo.close(fd);
            } catch (PosixException e) {
                throw failure(e);
            }
        }
    }

    private static final class Input extends InputStream {
        private final End end;
        private final byte[] one = new byte[1];

        Input(int fd) {
            end = new End(fd);
        }

        @Override
        public int read() throws IOException {
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            long buffer = end.open();
            if (len == 0) {
                return 0;
            }
            try {
                int n = FdIo.read(buffer, end.fd, b, off, len);
                return n == 0 ? -1 : n;
            } catch (PosixException e) {
                throw failure(e);
            }
        }

        @Override
        public void close() throws IOException {
            end.release();
        }
    }

    private static final class Output extends OutputStream {
        private final End end;
        private final byte[] one = new byte[1];

        Output(int fd) {
            end = new End(fd);
        }

        @Override
        public void write(int b) throws IOException {
            one[0] = (byte) b;
            write(one, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            long buffer = end.open();
            try {
                FdIo.writeFully(buffer, end.fd, NO_HEAD, 0, b, off, len);
            } catch (PosixException e) {
                throw failure(e);
            }
        }

        @Override
        public void close() throws IOException {
            end.release();
        }
    }
}
