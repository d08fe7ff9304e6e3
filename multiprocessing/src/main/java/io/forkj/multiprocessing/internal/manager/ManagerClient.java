package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.internal.pool.PoolCore;
import io.forkj.posix.internal.libc.BindingState;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.proc.ProcFs;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client end of a manager: one authenticated connection per thread and process (CPython's {@code BaseProxy}
 * keeps a thread-local connection too), so a call blocked in the server (a queue's {@code take}, a lock's
 * {@code acquire}) holds up only its own thread. A connection opened before a fork is never used by the child.
 */
public final class ManagerClient {
    private static final ThreadLocal<Map<Path, Conn>> CONNECTIONS = ThreadLocal.withInitial(HashMap::new);
    private static final Set<Conn> ALL = ConcurrentHashMap.newKeySet();
    /** Built at class initialization, so a forked child that asks for its pid builds no path. */
    private static final Path SELF = ProcFs.selfLink();

    private ManagerClient() {
    }

    /** Creates an object of {@code kind} in the server and returns its id. */
    public static long create(Path socket, byte[] authkey, String kind, Object... args) {
        return (Long) request(socket, authkey, new Messages.Create(kind, args));
    }

    /** Calls a method on a managed object; an exception thrown in the server is rethrown here as it is. */
    static Object call(Path socket, byte[] authkey, long id, Class<?> declaring, String method, Class<?>[] types,
                       Object[] args) {
        return request(socket, authkey, new Messages.Call(id, declaring.getName(), method, types,
                args == null ? new Object[0] : args));
    }

    private static Object request(Path socket, byte[] authkey, Object message) {
        byte[] bytes;
        try {
            bytes = io.forkj.multiprocessing.internal.pool.Serial.toBytes(message);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("an argument cannot be sent to the manager: " + e.getMessage()
                    + " is not Serializable (a function argument must be serializable, e.g. a SerializableFunction)", e);
        }
        Conn c = connection(socket, authkey);
        Messages.Reply reply;
        try {
            Frames.write(c.out, bytes);
            reply = (Messages.Reply) Frames.readObject(c.in);
        } catch (IOException e) {
            c.close();
            throw new UncheckedIOException("the manager at " + socket + " is gone (its connection failed)", e);
        }
        if (!reply.ok) {
            throw PoolCore.rethrow((Throwable) reply.value);
        }
        return reply.value;
    }

    private static Conn connection(Path socket, byte[] authkey) {
        Map<Path, Conn> mine = CONNECTIONS.get();
        Conn c = mine.get(socket);
        long pid = currentPid();
        if (c == null || c.pid != pid || !c.channel.isOpen()) {
            try {
                c = open(socket, authkey, pid);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot connect to the manager at " + socket + ": " + e.getMessage(), e);
            }
            mine.put(socket, c);
        }
        return c;
    }

    /** Opens and authenticates a connection (CPython's {@code Client(address, authkey=...)}). */
    public static Conn open(Path socket, byte[] authkey, long pid) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 1 << 14));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 14));
            Handshake.client(in, out, authkey);
            Conn c = new Conn(ch, in, out, pid);
            ALL.add(c);
            return c;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Closes this process's connections to {@code socket} (the manager is shutting down). */
    public static void closeAll(Path socket) {
        for (Conn c : ALL) {
            if (c.channel.isOpen()) {
                try {
                    if (c.channel.getRemoteAddress() instanceof UnixDomainSocketAddress
                            && ((UnixDomainSocketAddress) c.channel.getRemoteAddress()).getPath().equals(socket)) {
                        c.close();
                    }
                } catch (IOException e) {
                    c.close();
                }
            } else {
                ALL.remove(c);
            }
        }
    }

    /** Closes one connection opened with {@link #open}. */
    public static void closeConnection(Conn c) {
        c.close();
    }

    /**
     * The pid of this process, read fresh: a forked child must not reuse its parent's connections. Every FORK
     * child has the native binding loaded and asks {@code getpid(2)}: {@code Files.readSymbolicLink} would take the
     * thread's first native path buffer from the common {@code Cleaner}, under a monitor the parent's cleaner
     * thread may have held at the fork. A JVM without the binding (a SPAWN child) reads the link and loads nothing.
     */
    static long currentPid() {
        if (BindingState.isLoaded()) {
            return Native.posix().getpid();
        }
        try {
            return Long.parseLong(Files.readSymbolicLink(SELF).toString());
        } catch (IOException | NumberFormatException e) {
            return ProcessHandle.current().pid();
        }
    }

    /** One authenticated connection. */
    public static final class Conn {
        final SocketChannel channel;
        final DataInputStream in;
        final DataOutputStream out;
        final long pid;

        Conn(SocketChannel channel, DataInputStream in, DataOutputStream out, long pid) {
            this.channel = channel;
            this.in = in;
            this.out = out;
            this.pid = pid;
        }

        void close() {
            ALL.remove(this);
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
