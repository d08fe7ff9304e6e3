package io.forkj.multiprocessing;

import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.multiprocessing.internal.FdIo;
import io.forkj.multiprocessing.internal.Handshake;
import io.forkj.multiprocessing.internal.SocketAddresses;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.PollFds;
import jnr.ffi.Pointer;

import java.io.IOException;
import java.lang.ref.Reference;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * Connects to a {@link Listener} (or to CPython's {@code multiprocessing.connection.Listener}) and returns the
 * {@link Connection}: Python's {@code multiprocessing.connection.Client}.
 */
public final class Client {
    private Client() {
    }

    /**
     * Connects without authentication: Python's {@code Client(address)} (authkey None). A listener with an authkey
     * then challenges this side, which cannot answer: use {@link #connect(SocketAddress, byte[])} for it.
     *
     * @throws PosixException           if the kernel refuses (ECONNREFUSED, ENOENT: nothing listens there)
     * @throws IllegalArgumentException for an address that is neither a unix path nor a resolved host and port
     */
    public static Connection connect(SocketAddress address) {
        return open(Objects.requireNonNull(address, "address"));
    }

    /**
     * Connects and authenticates with {@code authkey}, both ways: Python's {@code Client(address, authkey=authkey)}.
     *
     * @throws AuthenticationException  if the listener's authkey differs (Python: {@code AuthenticationError})
     * @throws PosixException           if the kernel refuses (ECONNREFUSED, ENOENT: nothing listens there)
     * @throws IllegalArgumentException for an empty authkey, or an address that is neither a unix path nor a
     *                                  resolved host and port
     */
    public static Connection connect(SocketAddress address, byte[] authkey) throws AuthenticationException {
        byte[] key = Listener.checkedKey(authkey);
        Connection c = open(Objects.requireNonNull(address, "address"));
        authenticate(c, key, false);
        return c;
    }

    /**
     * The handshake on a new connection, as the accepting side or the connecting one; on any failure the connection
     * is closed and the failure thrown (a lost peer as {@link ConnectionException}).
     */
    static void authenticate(Connection c, byte[] key, boolean accepting) throws AuthenticationException {
        try {
            if (accepting) {
                Handshake.server(channel(c), key);
            } else {
                Handshake.client(channel(c), key);
            }
        } catch (AuthenticationException e) {
            c.close();
            throw e;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e instanceof ConnectionException ? (ConnectionException) e
                    : new ConnectionException("authentication failed on " + c + ": " + e.getMessage(),
                            e instanceof IOException ? (IOException) e : new IOException(e));
        }
    }

    private static Connection open(SocketAddress address) {
        int family = SocketAddresses.family(address);
        byte[] sockaddr = SocketAddresses.encode(address);
        Connection.relieve();
        int fd = Listener.socket(family);
        try {
            if (Native.sockets().connect(fd, sockaddr, sockaddr.length) != 0) {
                int errno = Native.errno();
                if (errno != Errno.EINTR.number() && errno != Errno.EINPROGRESS.number()) {
                    throw new PosixException("connect(" + Listener.familyName(family) + " " + address + ")", errno);
                }
                // Interrupted by a signal: the connection goes on in the kernel; writable once it is made (an error
                // then shows on the first send or receive).
                Pointer pollfd = PollFds.thisThreads(fd, PollFds.POLLOUT);
                FdIo.awaitAny(pollfd.address(), 1, -1);
                Reference.reachabilityFence(pollfd);
            }
            return new Connection(fd, true, true);
        } catch (RuntimeException e) {
            Native.libc().close(fd);
            throw e;
        }
    }

    /** The handshake's frames over a connection: CPython's {@code send_bytes}/{@code recv_bytes(maxlength)}. */
    static Handshake.Channel channel(Connection c) {
        return new Handshake.Channel() {
            @Override
            public void send(byte[] frame) {
                c.sendBytes(frame);
            }

            @Override
            public byte[] receive(int max) {
                return c.recvBytes(max);
            }
        };
    }
}
