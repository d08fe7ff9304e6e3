package io.forkj.multiprocessing;

import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.multiprocessing.internal.FdIo;
import io.forkj.multiprocessing.internal.Release;
import io.forkj.multiprocessing.internal.SocketAddresses;
import io.forkj.posix.internal.fork.Starter;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.PollFds;
import io.forkj.posix.internal.libc.SocketLibC;
import jnr.ffi.Pointer;

import java.io.IOException;
import java.lang.ref.Reference;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listening socket that hands out {@link Connection}s: Python's {@code multiprocessing.connection.Listener}.
 * Connections from {@link Client#connect} (or from CPython's {@code Client}) arrive through {@link #accept()}, each
 * authenticated first when the listener has an authkey: both sides prove they know the key with CPython's HMAC
 * challenge, byte for byte, so a forkj listener accepts CPython 3.11 and 3.12 clients and a forkj client reaches a
 * CPython listener. Messages then use CPython's framing ({@link Connection#sendBytes}/{@link Connection#recvBytes}
 * cross to and from Python as {@code send_bytes}/{@code recv_bytes}; objects travel as Java serialization, which only
 * Java reads).
 *
 * <p>Addresses are the JDK's: a {@link UnixDomainSocketAddress} (a path, Python's string address) or an
 * {@link java.net.InetSocketAddress} (Python's {@code (host, port)}, port 0 for any free one; {@link #address()} says
 * which); or forkj's {@link AbstractUnixAddress}, a name in Linux's abstract namespace (Python's {@code '\0name'}),
 * which leaves no file. The socket is close-on-exec, so a child started with any start method does not inherit it; an AF_INET
 * one is bound with {@code SO_REUSEADDR}, as CPython binds it. {@link #close()} removes a unix socket's file.
 *
 * <p>Thread-safe: several threads may wait in {@link #accept()}, and {@link #close()} from another thread wakes them
 * with {@link IllegalStateException}.
 */
public final class Listener implements AutoCloseable {
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = LinuxLibC.Flags.SOCK_CLOEXEC;
    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int SHUT_RDWR = 2;
    private static final int F_SETFL = 4;
    /** The backlog unless one is given: CPython's default is 1, which makes a burst of clients wait in connect. */
    private static final int BACKLOG = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int fd;
    private final SocketAddress address;
    private final byte[] authkey;
    /** Threads in {@link #accept()}, and {@link #close()} while it runs: the last one out closes the fd. */
    private final AtomicInteger users = new AtomicInteger();
    /** The fd and the socket file, given back by whichever of {@link #close()}, the collector and the exit is first. */
    private final Resources resources;
    private volatile boolean closed;
    private volatile SocketAddress lastAccepted;

    private Listener(int fd, SocketAddress address, byte[] authkey, Path unixPath) {
        this.fd = fd;
        this.address = address;
        this.authkey = authkey;
        this.resources = new Resources(fd, unixPath);
        resources.register(this);
    }

    /**
     * A listener's fd and unix socket file, apart from it so that a listener dropped without {@link #close()} gives
     * them back when it is garbage, and its socket file goes at the JVM's exit at the latest (CPython's listener
     * unlinks its path by a finalizer that also runs at exit). Neither happens in a forked copy of the JVM.
     */
    private static final class Resources implements Runnable {
        /** Unix socket files of listeners still open, removed by a shutdown hook if still there at exit. */
        private static final Set<Resources> OPEN = ConcurrentHashMap.newKeySet();
        private static final AtomicBoolean HOOKED = new AtomicBoolean();
        private final int fd;
        private final Path unixPath;
        private final AtomicBoolean released = new AtomicBoolean();

        Resources(int fd, Path unixPath) {
            this.fd = fd;
            this.unixPath = unixPath;
        }

        void register(Listener owner) {
            if (!Release.whenGarbage(owner, this) || unixPath == null) {
                return;
            }
            OPEN.add(this);
            if (HOOKED.compareAndSet(false, true)) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    for (Resources r : OPEN) {
                        deleteQuietly(r.unixPath);
                    }
                }, "forkj-listener-files"));
            }
        }

        /** Closes the fd and removes the socket file; once. */
        @Override
        public void run() {
            if (released.compareAndSet(false, true)) {
                Native.libc().close(fd);
                if (unixPath != null) {
                    OPEN.remove(this);
                    deleteQuietly(unixPath);
                }
            }
        }
    }

    /**
     * Listens on {@code address} without authentication: Python's {@code Listener(address)} (authkey None). Any
     * process that can reach the address may connect; give an authkey unless the address itself is private.
     *
     * @throws PosixException           if the kernel refuses (EADDRINUSE: the path exists or the port is taken)
     * @throws IllegalArgumentException for an address that is neither a unix path nor a resolved host and port
     */
    public static Listener listen(SocketAddress address) {
        return open(Objects.requireNonNull(address, "address"), null, BACKLOG);
    }

    /**
     * Listens on {@code address}; every accepted connection must prove it knows {@code authkey}: Python's
     * {@code Listener(address, authkey=authkey)}.
     *
     * @throws PosixException           if the kernel refuses (EADDRINUSE: the path exists or the port is taken)
     * @throws IllegalArgumentException for an empty authkey, or an address that is neither a unix path nor a
     *                                  resolved host and port
     */
    public static Listener listen(SocketAddress address, byte[] authkey) {
        return open(Objects.requireNonNull(address, "address"), checkedKey(authkey), BACKLOG);
    }

    /**
     * Python's {@code Listener(address, backlog=backlog, authkey=authkey)}: {@code listen(2)}'s backlog, how many
     * connections may wait to be accepted before a client's {@code connect} waits (the kernel caps it at
     * {@code net.core.somaxconn}). The other forms use 64.
     *
     * @param authkey the key every connection must prove it knows; null for none
     * @throws PosixException           if the kernel refuses (EADDRINUSE: the path exists or the port is taken)
     * @throws IllegalArgumentException for a negative backlog, an empty authkey, or an address that is neither a
     *                                  unix path nor a resolved host and port
     */
    public static Listener listen(SocketAddress address, byte[] authkey, int backlog) {
        if (backlog < 0) {
            throw new IllegalArgumentException("backlog " + backlog + " must be >= 0 (listen(2)'s queue of"
                    + " connections waiting to be accepted)");
        }
        return open(Objects.requireNonNull(address, "address"), authkey == null ? null : checkedKey(authkey), backlog);
    }

    /**
     * Listens on a new unix socket path in the temporary directory, with {@code authkey}: Python's
     * {@code Listener(authkey=authkey)} (an arbitrary address). {@link #address()} gives the path to the clients.
     */
    public static Listener listen(byte[] authkey) {
        Path path = Path.of(System.getProperty("java.io.tmpdir"),
                "forkj-listener-" + ProcessHandle.current().pid() + "-" + HexFormat.of().toHexDigits(RANDOM.nextLong()));
        return open(UnixDomainSocketAddress.of(path), checkedKey(authkey), BACKLOG);
    }

    static byte[] checkedKey(byte[] authkey) {
        Objects.requireNonNull(authkey, "authkey");
        if (authkey.length == 0) {
            throw new IllegalArgumentException("authkey is empty: give at least one byte (Python: os.urandom(32))");
        }
        return authkey.clone();
    }

    private static Listener open(SocketAddress address, byte[] authkey, int backlog) {
        SocketLibC net = Native.sockets();
        int family = SocketAddresses.family(address);
        byte[] sockaddr = SocketAddresses.encode(address);
        int fd = socket(family);
        try {
            if (Native.libc().fcntl(fd, F_SETFL, LinuxLibC.Flags.O_NONBLOCK) != 0) {
                throw new PosixException("fcntl(" + fd + ", F_SETFL, O_NONBLOCK)", Native.errno());
            }
            if (family != SocketAddresses.AF_UNIX
                    && net.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, new int[] {1}, Integer.BYTES) != 0) {
                throw new PosixException("setsockopt(" + fd + ", SO_REUSEADDR)", Native.errno());
            }
            if (net.bind(fd, sockaddr, sockaddr.length) != 0) {
                throw new PosixException("bind(" + address + ")", Native.errno());
            }
            Path unixPath = address instanceof UnixDomainSocketAddress ? ((UnixDomainSocketAddress) address).getPath() : null;
            try {
                if (net.listen(fd, backlog) != 0) {
                    throw new PosixException("listen(" + address + ", " + backlog + ")", Native.errno());
                }
                byte[] bound = new byte[SocketAddresses.MAX];
                int[] length = {bound.length};
                if (net.getsockname(fd, bound, length) != 0) {
                    throw new PosixException("getsockname(" + fd + ")", Native.errno());
                }
                SocketAddress actual = unixPath != null ? address : SocketAddresses.decode(bound, length[0]);
                return new Listener(fd, actual, authkey, unixPath);
            } catch (RuntimeException e) {
                if (unixPath != null) {
                    deleteQuietly(unixPath);
                }
                throw e;
            }
        } catch (RuntimeException e) {
            Native.libc().close(fd);
            throw e;
        }
    }

    /** {@code socket(family, SOCK_STREAM | SOCK_CLOEXEC)}, collecting dropped connections once on EMFILE/ENFILE. */
    static int socket(int family) {
        SocketLibC net = Native.sockets();
        int fd = net.socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 && Release.collectAfter(Native.errno(), Errno.EMFILE, Errno.ENFILE)) {
            fd = net.socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        }
        if (fd < 0) {
            throw new PosixException("socket(" + familyName(family) + ", SOCK_STREAM|SOCK_CLOEXEC)", Native.errno());
        }
        return fd;
    }

    static String familyName(int family) {
        return family == SocketAddresses.AF_UNIX ? "AF_UNIX" : family == SocketAddresses.AF_INET ? "AF_INET" : "AF_INET6";
    }

    /**
     * Waits for a connection and returns it, authenticated if this listener has an authkey: Python's
     * {@code accept()}. A peer that fails the challenge is disconnected and this throws; the listener goes on.
     *
     * @throws AuthenticationException if the peer does not know the authkey (Python: {@code AuthenticationError})
     * @throws ConnectionException     if the peer went away during the handshake
     * @throws IllegalStateException   if this listener is closed, also while waiting
     */
    public Connection accept() throws AuthenticationException {
        enter();
        try {
            Connection.relieve();
            Connection c = new Connection(acceptFd(), true, true);
            if (authkey != null) {
                Client.authenticate(c, authkey, true);
            }
            return c;
        } finally {
            leave();
        }
    }

    /**
     * The listening socket is non-blocking: every waiting thread wakes when one connection arrives, and only one
     * gets it; the others find EAGAIN and wait again instead of blocking in {@code accept4} (on virtual threads that
     * held the carriers, and the client that would have released them never ran).
     */
    private int acceptFd() {
        SocketLibC net = Native.sockets();
        boolean collected = false;
        while (true) {
            byte[] peer = new byte[SocketAddresses.MAX];
            int[] length = {peer.length};
            int c = net.accept4(fd, peer, length, SOCK_CLOEXEC);
            if (c >= 0) {
                lastAccepted = SocketAddresses.decode(peer, Math.min(length[0], peer.length));
                return c;
            }
            int errno = Native.errno();
            if (closed) {
                throw new IllegalStateException("the listener on " + address + " was closed while accepting");
            }
            if (errno == Errno.EAGAIN.number()) {
                // In poll(2) here, or on a virtual thread on a platform sleeper, so that it does not hold the carrier.
                Pointer pollfd = PollFds.thisThreads(fd, PollFds.POLLIN);
                FdIo.awaitAny(pollfd.address(), 1, -1);
                Reference.reachabilityFence(pollfd);
                continue;
            }
            if (errno == Errno.EINTR.number() || errno == Errno.ECONNABORTED.number()) {
                continue;
            }
            if (!collected && Release.collectAfter(errno, Errno.EMFILE, Errno.ENFILE)) {
                collected = true;
                continue;
            }
            throw new PosixException("accept4(" + address + ")", errno);
        }
    }

    /** The address clients connect to (the port the kernel chose, for port 0): Python's {@code address}. */
    public SocketAddress address() {
        return address;
    }

    /**
     * The peer address of the last accepted connection: Python's {@code last_accepted}. Empty before the first, and
     * for a unix-socket client, which is unnamed.
     */
    public Optional<SocketAddress> lastAccepted() {
        return Optional.ofNullable(lastAccepted);
    }

    /** Whether {@link #close()} was called. */
    public boolean closed() {
        return closed;
    }

    /**
     * Stops listening: Python's {@code close()}. Threads waiting in {@link #accept()} are woken and throw
     * {@link IllegalStateException}; a unix socket's file is removed. Accepted connections stay open. Idempotent.
     */
    @Override
    public void close() {
        users.getAndIncrement();
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            Native.sockets().shutdown(fd, SHUT_RDWR); // wakes accept4 in other threads (EINVAL)
        } finally {
            leave();
        }
    }

    private void enter() {
        users.getAndIncrement();
        if (closed) {
            leave();
            throw new IllegalStateException("the listener on " + address + " is closed");
        }
    }

    private void leave() {
        if (users.decrementAndGet() == 0 && closed) {
            resources.run();
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // The socket works without it; the file is left, as a crashed process would leave it.
        }
    }

    @Override
    public String toString() {
        return "Listener[" + address + (authkey != null ? ", authenticated" : "") + (closed ? ", closed]" : "]");
    }
}
