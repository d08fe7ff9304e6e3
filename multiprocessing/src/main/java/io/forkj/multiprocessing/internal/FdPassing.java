package io.forkj.multiprocessing.internal;

import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.PosixException;
import io.forkj.posix.internal.libc.Native;
import jnr.posix.CmsgHdr;
import jnr.posix.MsgHdr;
import jnr.posix.POSIX;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Bytes and fds over a unix stream socket: {@code sendmsg}/{@code recvmsg} with {@code SCM_RIGHTS} (jnr-posix's
 * {@link MsgHdr}), {@code write}/{@code read} for the rest. How a standby JVM, started before the task existed,
 * receives the fds of the forkj resources its task carries.
 */
public final class FdPassing {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = LinuxLibC.Flags.SOCK_CLOEXEC;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int EINTR = 4;

    private FdPassing() {
    }

    /** {@code socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC)}. */
    public static int[] socketPair() {
        int[] fds = new int[2];
        if (Native.posix().socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
            throw new PosixException("socketpair(AF_UNIX, SOCK_STREAM)", Native.errno());
        }
        return fds;
    }

    /**
     * Sends {@code data} with copies of {@code fds} attached to its first byte.
     *
     * @throws PosixException if the peer is gone ({@code EPIPE}, {@code ECONNRESET}) or the call fails
     */
    public static void send(int socket, byte[] data, int[] fds) {
        POSIX posix = Native.posix();
        MsgHdr msg = posix.allocateMsgHdr();
        ByteBuffer buffer = ByteBuffer.allocateDirect(data.length);
        buffer.put(data).flip();
        msg.setIov(new ByteBuffer[] {buffer});
        if (fds.length > 0) {
            CmsgHdr control = msg.allocateControl(4 * fds.length);
            control.setLevel(SOL_SOCKET);
            control.setType(SCM_RIGHTS);
            ByteBuffer numbers = ByteBuffer.allocate(4 * fds.length).order(ByteOrder.nativeOrder());
            for (int fd : fds) {
                numbers.putInt(fd);
            }
            numbers.flip();
            control.setData(numbers);
        }
        int sent;
        do {
            sent = posix.sendmsg(socket, msg, MSG_NOSIGNAL);
        } while (sent < 0 && Native.errno() == EINTR);
        if (sent < 0) {
            throw new PosixException("sendmsg(SCM_RIGHTS, " + fds.length + " fds)", Native.errno());
        }
        if (sent < data.length) {
            writeAll(socket, data, sent);
        }
    }

    /** What {@link #receive} got: the bytes read and the fds that came with them (new numbers, close-on-exec). */
    public static final class Received {
        /** Bytes read, at most the length asked for. */
        public final byte[] data;
        /** The received fds in the order they were sent. */
        public final int[] fds;

        Received(byte[] data, int[] fds) {
            this.data = data;
            this.fds = fds;
        }
    }

    /**
     * Receives up to {@code length} bytes and the fds attached to them.
     *
     * @throws EOFException if the peer closed the socket before sending anything
     */
    public static Received receive(int socket, int length, int maxFds) throws IOException {
        POSIX posix = Native.posix();
        MsgHdr msg = posix.allocateMsgHdr();
        ByteBuffer buffer = ByteBuffer.allocateDirect(length);
        msg.setIov(new ByteBuffer[] {buffer});
        if (maxFds > 0) {
            msg.allocateControl(4 * maxFds);
        }
        int n;
        do {
            n = posix.recvmsg(socket, msg, MSG_CMSG_CLOEXEC);
        } while (n < 0 && Native.errno() == EINTR);
        if (n < 0) {
            throw new PosixException("recvmsg", Native.errno());
        }
        if (n == 0) {
            throw new EOFException("the parent closed the socket");
        }
        byte[] data = new byte[n];
        buffer.get(0, data, 0, n);
        int[] fds = new int[0];
        if (maxFds > 0) {
            for (CmsgHdr c : msg.getControls()) {
                if (c.getLevel() == SOL_SOCKET && c.getType() == SCM_RIGHTS) {
                    ByteBuffer numbers = c.getData().order(ByteOrder.nativeOrder());
                    int count = numbers.remaining() / 4;
                    int[] more = new int[fds.length + count];
                    System.arraycopy(fds, 0, more, 0, fds.length);
                    for (int i = 0; i < count; i++) {
                        more[fds.length + i] = numbers.getInt();
                    }
                    fds = more;
                }
            }
        }
        return new Received(data, fds);
    }

    /** Writes {@code data[from..]} fully. */
    public static void writeAll(int fd, byte[] data, int from) {
        int done = from;
        byte[] chunk = from == 0 ? data : java.util.Arrays.copyOfRange(data, from, data.length);
        int off = 0;
        while (off < chunk.length) {
            byte[] piece = off == 0 ? chunk : java.util.Arrays.copyOfRange(chunk, off, chunk.length);
            long n = Native.posix().write(fd, piece, piece.length);
            if (n < 0) {
                if (Native.errno() == EINTR) {
                    continue;
                }
                throw new PosixException("write(" + fd + ", " + (data.length - done) + " bytes)", Native.errno());
            }
            off += (int) n;
            done += (int) n;
        }
    }

    /** An input stream over {@code read(2)} on a socket or pipe. */
    public static InputStream input(int fd) {
        return new InputStream() {
            private final byte[] one = new byte[1];

            @Override
            public int read() throws IOException {
                int n = read(one, 0, 1);
                return n <= 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                byte[] target = off == 0 ? b : new byte[len];
                while (true) {
                    long n = Native.posix().read(fd, target, len);
                    if (n < 0) {
                        if (Native.errno() == EINTR) {
                            continue;
                        }
                        throw new IOException("read(" + fd + ") failed: errno " + Native.errno());
                    }
                    if (n == 0) {
                        return -1;
                    }
                    if (target != b) {
                        System.arraycopy(target, 0, b, off, (int) n);
                    }
                    return (int) n;
                }
            }
        };
    }
}
