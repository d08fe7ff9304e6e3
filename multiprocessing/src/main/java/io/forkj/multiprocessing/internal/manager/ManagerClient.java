package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.internal.Handshake;
import io.forkj.multiprocessing.internal.ForkedChild;
import io.forkj.multiprocessing.internal.Timeouts;
import io.forkj.multiprocessing.internal.pool.PoolCore;
import io.forkj.multiprocessing.internal.pool.Serial;
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
import java.lang.ref.Cleaner;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * The client end of a manager: each call borrows an idle authenticated connection of this process, or opens one,
 * and gives it back when the answer is in, so a call blocked in the server (a queue's {@code take}, a lock's
 * {@code acquire}) holds up only its own thread, and a process keeps as many connections as it ever made calls at
 * once. CPython keeps one per thread and closes it when the thread goes; a Java thread's end is seen only by the
 * collector, and a program that makes a thread per request (or a virtual thread per task) would hold a socket per
 * thread until then. A connection opened before a fork is never used by the child.
 *
 * <p>References: the server counts them per connection and drops a connection's when it closes, so a process that
 * dies gives its references back. A process takes them all on one connection of its own, the reference connection,
 * and gives each back there when its proxy is garbage collected (a cleaner of this class). A FORK child may neither
 * start the cleaner's thread, nor take a lock the parent's threads share, nor run code its parent never ran: it
 * takes no reference for the proxies it inherits or reads. Those it inherits are its parent's, kept by the parent's
 * process object (which holds the target) until the child is joined; those it reads are kept by their transit
 * lease, longer than a FORK child's deadline unless both are changed. An object a FORK child creates is referenced
 * by the connection it was created on, and goes when the child exits unless something else refers to it.
 */
public final class ManagerClient {
    /** Idle connections by manager: lock-free, so that a FORK child may take from and add to its copy. */
    private static final Map<SocketAddress, ConcurrentLinkedDeque<Conn>> IDLE = new ConcurrentHashMap<>();
    private static final Set<Conn> ALL = ConcurrentHashMap.newKeySet();
    /** Guards {@link #REFERENCE_CONNECTIONS} and every exchange on them. */
    private static final Object REFERENCE_LOCK = new Object();
    private static final Map<SocketAddress, Conn> REFERENCE_CONNECTIONS = new HashMap<>();
    /** Built at class initialization, so a forked child that asks for its pid builds no path. */
    private static final Path SELF = ProcFs.selfLink();

    /** Set once this process has made or read a proxy (a FORK child inherits it). */
    private static volatile boolean used;
    private static volatile boolean warm;

    private ManagerClient() {
    }

    /**
     * Creates an object of {@code kind} in the server and returns its id, with one reference held by this process;
     * {@link #track} ties it to the proxy.
     */
    static long create(SocketAddress socket, byte[] authkey, String kind, Object... args) {
        return (Long) referenceRequest(socket, authkey, new Messages.Create(kind, args));
    }

    /**
     * Gives the reference this process holds on {@code id} back when {@code proxy} is garbage collected. A FORK
     * child registers nothing (see the class comment).
     */
    static void track(Object proxy, SocketAddress socket, byte[] authkey, long id) {
        used = true;
        if (!ForkedChild.active()) {
            Releases.CLEANER.register(proxy, new Release(socket, authkey, id));
        }
    }

    /**
     * Takes a reference on {@code id} for {@code proxy}, a proxy just read, and {@link #track}s it. When the object
     * is gone or the manager cannot be reached, nothing is held and the proxy's first call says why. A FORK child
     * takes none (see the class comment).
     */
    static void hold(Object proxy, SocketAddress socket, byte[] authkey, long id) {
        used = true;
        if (ForkedChild.active()) {
            return;
        }
        ManagerServer here = ManagerServer.servingAt(socket);
        if (here != null) {
            if (here.increfHere(id)) {
                Releases.CLEANER.register(proxy, () -> here.decrefHere(id));
            }
            return;
        }
        try {
            if (Boolean.TRUE.equals(referenceRequest(socket, authkey, new Messages.Ref(id, +1)))) {
                track(proxy, socket, authkey, id);
            }
        } catch (RuntimeException unreachable) {
            // the proxy's first call reports it
        }
    }

    /**
     * Before a FORK start, in a process that has proxies: serializes each reference message once, names this
     * thread as a lock's owner, and runs the idle-connection pool's paths once. A FORK child
     * sends them (a create, a transit when it passes a proxy on) on code its parent may never have run, and
     * serializing a class for the first time builds its descriptor by reflection. ~20 ms in a fresh JVM, which a
     * process without proxies, or one that never forks, never pays.
     */
    public static void warmUpIfUsed() {
        if (warm || !used) {
            return;
        }
        synchronized (ManagerClient.class) {
            if (!warm) {
                for (Object m : new Object[] {new Messages.Create("dict", new Object[0]), new Messages.Ref(0, 1),
                        new Messages.Transit(0), new Messages.Info(), new Messages.KeepMemory(0, "")}) {
                    encode(m);
                }
                // a lock call names its owner: the record's class and Self, initialized here and not in the child
                OwnedCells.Owner.current();
                Timeouts.nanos(true, null);
                // the pool of idle connections: a parent that only made proxies never gave one back
                SocketAddress nowhere = UnixDomainSocketAddress.of("/forkj-warm-up");
                Conn none = new Conn(null, null, null, -1, nowhere);
                idle(nowhere).offerFirst(none);
                idle(nowhere).pollFirst();
                IDLE.remove(nowhere);
                warm = true;
            }
        }
    }

    /** A proxy to {@code id} is being serialized: starts the object's transit lease. Failures are left to the copy. */
    static void transit(SocketAddress socket, byte[] authkey, long id) {
        ManagerServer here = ForkedChild.active() ? null : ManagerServer.servingAt(socket);
        if (here != null) {
            here.transitHere(id);
            return;
        }
        try {
            referenceRequest(socket, authkey, new Messages.Transit(id));
        } catch (RuntimeException unreachable) {
            // the copy's first call reports it
        }
    }

    /** The ids of the objects the server holds and their reference counts (CPython's {@code _debug_info()}). */
    @SuppressWarnings("unchecked")
    public static Map<Long, Integer> referenceCounts(SocketAddress socket, byte[] authkey) {
        return (Map<Long, Integer>) request(socket, authkey, new Messages.Info());
    }

    /**
     * Has the server keep shared memory of the caller's open: its fd {@code fd}, a memfd whose name carries
     * {@code token}.
     *
     * @return the server's fd for it
     */
    public static int keepMemory(SocketAddress socket, byte[] authkey, int fd, String token) {
        return (Integer) request(socket, authkey, new Messages.KeepMemory(fd, token));
    }

    /** Sends a reference message on this process's reference connection; see the class comment. */
    private static Object referenceRequest(SocketAddress socket, byte[] authkey, Object message) {
        if (ForkedChild.active()) {
            return request(socket, authkey, message);
        }
        byte[] bytes = encode(message);
        long pid = currentPid();
        synchronized (REFERENCE_LOCK) {
            Conn c = REFERENCE_CONNECTIONS.get(socket);
            if (c == null || c.pid != pid || !c.channel.isOpen()) {
                c = connect(socket, authkey, pid);
                REFERENCE_CONNECTIONS.put(socket, c);
            }
            return valueOf(Frames.readReply(exchange(c, socket, bytes)));
        }
    }

    /** Calls a method on a managed object; an exception thrown in the server is rethrown here as it is. */
    static Object call(SocketAddress socket, byte[] authkey, long id, Class<?> declaring, String method, Class<?>[] types,
                       Object[] args) {
        byte[] bytes;
        try {
            bytes = Frames.call(id, declaring.getName(), method, types, args == null ? new Object[0] : args);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an argument cannot be sent to the manager: " + e.getMessage()
                    + " (a function argument must be serializable, e.g. a SerializableFunction)", e);
        }
        return send(socket, authkey, checkedSize(bytes));
    }

    private static Object request(SocketAddress socket, byte[] authkey, Object message) {
        return send(socket, authkey, encode(message));
    }

    private static Object send(SocketAddress socket, byte[] authkey, byte[] bytes) {
        Conn c = borrow(socket, authkey);
        byte[] answer = exchange(c, socket, bytes);
        giveBack(socket, c);
        return valueOf(Frames.readReply(answer));
    }

    private static byte[] encode(Object message) {
        byte[] bytes;
        try {
            bytes = Serial.toBytes(message);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("an argument cannot be sent to the manager: " + Serial.why(e)
                    + " (a function argument must be serializable, e.g. a SerializableFunction)", e);
        }
        return checkedSize(bytes);
    }

    private static byte[] checkedSize(byte[] bytes) {
        if (bytes.length > Serial.MAX_FRAME) {
            // the server would drop the connection, and with it every reference it holds
            throw new IllegalArgumentException("a request of " + bytes.length + " bytes is larger than a manager"
                    + " accepts (" + Serial.MAX_FRAME + ")");
        }
        return bytes;
    }

    /**
     * Sends one request and reads its answer. On any failure in between, the connection is closed: where its
     * stream stands is not known.
     */
    private static byte[] exchange(Conn c, SocketAddress socket, byte[] bytes) {
        boolean answered = false;
        boolean sent = false;
        try {
            Frames.write(c.out, bytes);
            sent = true;
            byte[] answer = Frames.read(c.in, Serial.MAX_FRAME);
            if (Frames.wantsAck(answer)) {
                Frames.write(c.out, Frames.ACK);
            }
            answered = true;
            return answer;
        } catch (ClosedByInterruptException e) {
            throw new InterruptedCall("a call to the manager at " + socket + " was interrupted (Thread.interrupt),"
                    + " which closed its connection", e, sent);
        } catch (IOException e) {
            throw new UncheckedIOException("the manager at " + socket + " is gone (its connection failed)", e);
        } finally {
            if (!answered) {
                c.close();
            }
        }
    }

    /** A call ended by an interrupt of its thread, which closed its channel. */
    static final class InterruptedCall extends UncheckedIOException {
        private static final long serialVersionUID = 1L;
        /** Whether the whole request had been written: the server then runs the call, for nobody. */
        final boolean sent;

        InterruptedCall(String message, ClosedByInterruptException cause, boolean sent) {
            super(message, cause);
            this.sent = sent;
        }
    }

    /** Whether {@code e} is a call its thread's interrupt ended after the server had the whole request. */
    static boolean interruptedAfterSending(Throwable e) {
        return e instanceof InterruptedCall && ((InterruptedCall) e).sent;
    }

    /**
     * What a proxy method that declares {@link InterruptedException} throws for {@code e}: an InterruptedException
     * (the interrupt status cleared, as its contract has it) if the call failed because its thread was interrupted,
     * else {@code e} itself.
     */
    static InterruptedException interruptedOr(RuntimeException e) {
        if (e instanceof InterruptedCall) {
            Thread.interrupted();
            InterruptedException i = new InterruptedException(e.getMessage());
            i.initCause(e);
            return i;
        }
        throw e;
    }

    /** The value of an answer, or the server's exception thrown here. */
    private static Object valueOf(Messages.Reply reply) {
        if (!reply.ok) {
            throw PoolCore.rethrow((Throwable) reply.value);
        }
        return reply.value;
    }

    /**
     * An idle connection of this process to {@code socket}, or a new one. A FORK child finds its parent's idle
     * connections in its copy of the pool and drops them unused and unclosed (closing would take the channel's
     * locks, which a parent thread may have held at the fork; the fds end with the child).
     */
    private static Conn borrow(SocketAddress socket, byte[] authkey) {
        long pid = currentPid();
        ConcurrentLinkedDeque<Conn> idle = IDLE.get(socket);
        if (idle != null) {
            Conn c;
            while ((c = idle.pollFirst()) != null) {
                if (c.pid == pid && c.channel.isOpen()) {
                    return c;
                }
            }
        }
        return connect(socket, authkey, pid);
    }

    private static void giveBack(SocketAddress socket, Conn c) {
        if (c.channel.isOpen()) {
            idle(socket).offerFirst(c);
        }
    }

    private static ConcurrentLinkedDeque<Conn> idle(SocketAddress socket) {
        return IDLE.computeIfAbsent(socket, s -> new ConcurrentLinkedDeque<>());
    }

    private static Conn connect(SocketAddress socket, byte[] authkey, long pid) {
        try {
            return open(socket, authkey, pid);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to the manager at " + socket + ": " + e.getMessage(), e);
        }
    }

    /** Opens and authenticates a connection (CPython's {@code Client(address, authkey=...)}). */
    public static Conn open(SocketAddress socket, byte[] authkey, long pid) throws IOException {
        SocketChannel ch = SocketChannel.open(ManagerAddress.family(socket));
        try {
            ch.connect(socket);
            if (ManagerAddress.isTcp(socket)) {
                ManagerAddress.tuneTcp(ch);
            }
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 1 << 14));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 14));
            Handshake.client(Frames.channel(in, out), authkey);
            OwnedCells.Owner me = OwnedCells.Owner.current();
            Frames.write(out, Frames.hello(me.pid(), me.startTime()));
            Conn c = new Conn(ch, in, out, pid, socket);
            ALL.add(c);
            return c;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Closes this process's connections to {@code socket} (the manager is shutting down). */
    public static void closeAll(SocketAddress socket) {
        synchronized (REFERENCE_LOCK) {
            REFERENCE_CONNECTIONS.remove(socket);
        }
        IDLE.remove(socket);
        for (Conn c : ALL) {
            if (!c.channel.isOpen()) {
                ALL.remove(c);
            } else if (c.address.equals(socket)) {
                c.close();
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

    /** The cleaner that gives references back, started by the first proxy this process tracks. */
    private static final class Releases {
        static final Cleaner CLEANER = Cleaner.create(r -> {
            Thread t = new Thread(r, "forkj-manager-release");
            t.setDaemon(true);
            return t;
        });
    }

    /** Gives one reference back; holds no reference to the proxy. */
    private static final class Release implements Runnable {
        private final SocketAddress socket;
        private final byte[] authkey;
        private final long id;

        Release(SocketAddress socket, byte[] authkey, long id) {
            this.socket = socket;
            this.authkey = authkey;
            this.id = id;
        }

        /** Runs on the cleaner's thread, which exists only in the process that registered it (never a FORK child). */
        @Override
        public void run() {
            try {
                referenceRequest(socket, authkey, new Messages.Ref(id, -1));
            } catch (RuntimeException gone) {
                // the manager is shut down or unreachable: its objects went with it
            }
        }
    }

    /** One authenticated connection. */
    public static final class Conn {
        final SocketChannel channel;
        final DataInputStream in;
        final DataOutputStream out;
        final long pid;
        /** The address it was opened to (a TCP channel's remote address may be spelled otherwise). */
        final SocketAddress address;

        Conn(SocketChannel channel, DataInputStream in, DataOutputStream out, long pid, SocketAddress address) {
            this.channel = channel;
            this.in = in;
            this.out = out;
            this.pid = pid;
            this.address = address;
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
