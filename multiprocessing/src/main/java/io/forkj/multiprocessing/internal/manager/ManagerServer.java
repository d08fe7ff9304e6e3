package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.internal.Handshake;
import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcParser;
import io.forkj.multiprocessing.BarrierProxy;
import io.forkj.multiprocessing.EventProxy;
import io.forkj.multiprocessing.JoinableQueueProxy;
import io.forkj.multiprocessing.Namespace;
import io.forkj.multiprocessing.ValueProxy;
import io.forkj.multiprocessing.internal.pool.Serial;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A manager's server (CPython's {@code multiprocessing.managers.Server}): holds shared objects and runs the method
 * calls that proxies send, one thread per connection, each connection authenticated first. Calls on a dict, list,
 * namespace or value run under that object's monitor, so each single call is atomic across processes; queues and
 * locks are thread-safe themselves (their blocking calls must not hold a monitor). Only methods of the object's
 * public interface can be called.
 */
public final class ManagerServer {
    /**
     * How to undo what the last call on the connection the current thread serves took (a lock, a condition's
     * signal, a queue's item): run if that connection ends before the caller acknowledged reading the answer
     * ({@link Frames#ACK}; see {@link OwnedCells}).
     */
    private static final ThreadLocal<List<Runnable>> LAST_CALL = new ThreadLocal<>();
    private static final ThreadLocal<ManagerServer> SERVING = new ThreadLocal<>();
    /** The connection the current thread serves, for {@link #callerGone()}. */
    private static final ThreadLocal<SocketChannel> CALLER = new ThreadLocal<>();
    /** The process at the other end of the connection the current thread serves, once it said ({@link Frames#HELLO}). */
    private static final ThreadLocal<OwnedCells.Owner> CALLER_PROCESS = new ThreadLocal<>();
    /** A one-byte buffer per serving thread, for {@link #callerGone()}. */
    private static final ThreadLocal<ByteBuffer> PEEK = ThreadLocal.withInitial(() -> ByteBuffer.allocate(1));
    private static final Map<String, Class<?>> PRIMITIVES = Map.of("int", int.class, "long", long.class,
            "boolean", boolean.class, "double", double.class, "float", float.class, "short", short.class,
            "byte", byte.class, "char", char.class);
    /** Methods already resolved, by {@link #signature}: a call then costs no class or method lookup. */
    private static final Map<String, Resolved> METHODS = new ConcurrentHashMap<>();
    /** The same for callers' own objects' interfaces. */
    private static final Map<String, Method> EXPOSED_METHODS = new ConcurrentHashMap<>();
    /** How often the sweeper looks up the processes of open connections in {@code /proc}. */
    private static final long DEATH_LOOK_NANOS = 1_000_000_000L;
    /** The kind of {@code Messages.Create} for an object made by a caller's factory. */
    public static final String CUSTOM = "custom";
    private static final Set<Class<?>> CALLABLE = Set.of(Map.class, List.class, Collection.class, Iterable.class,
            Object.class, BlockingQueue.class, java.util.Queue.class, Namespace.class, ValueProxy.class,
            OwnedCells.OwnedSync.class, OwnedCells.OwnedCondition.class, EventProxy.class, BarrierProxy.class,
            JoinableQueueProxy.class);

    private final byte[] authkey;
    private final ServerSocketChannel listener;
    /** Where it listens: a unix path, or the TCP address with the port the kernel chose. */
    private final SocketAddress socket;
    private final Map<Long, Held> objects = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    /** The processes that said hello on a connection still open, with those connections. */
    private final Map<OwnedCells.Owner, Peer> peers = new ConcurrentHashMap<>();
    /** Guards every reference count, every holder's counts and {@link #unreferenced}. */
    private final Object refs = new Object();
    /** Objects with no reference left whose transit lease has not ended yet. */
    private final Set<Long> unreferenced = new HashSet<>();
    /** The references held by proxies this server itself read (objects stored inside managed objects). */
    private final Map<Long, Integer> heldHere = new HashMap<>();
    private final long leaseNanos;
    /** Shared memory kept for callers ({@code SharedMemoryManager}), by this process's fd; guarded by itself. */
    private final Map<Integer, FileChannel> keptMemory = new HashMap<>();

    /**
     * A process's open connections, and whether this server's {@code /proc} confirmed it alive (pid and start time)
     * at its first hello. An unconfirmed process (another pid namespace, another host of a TCP manager, a
     * {@code hidepid} mount) has ended when its last connection has; a confirmed one is judged by {@code /proc}
     * ({@link ServerLiveness}), and the sweeper ends the input of its connections once it died, since a FORK child
     * that inherited one keeps it open and its end would never be read.
     */
    private static final class Peer {
        final boolean confirmed;
        final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();

        Peer(boolean confirmed) {
            this.confirmed = confirmed;
        }
    }

    /** One managed object and the references to it. */
    private static final class Held {
        final Object value;
        /** For an object made by a caller's factory: the interface its proxy exposes; null for the built-in kinds. */
        final Class<?> exposed;
        int count;
        /** When the last transit lease ends; a lease "ended" at creation ({@code nanoTime} may be negative). */
        long leaseEnd = System.nanoTime();

        Held(Object value, Class<?> exposed) {
            this.value = value;
            this.exposed = exposed;
        }
    }

    /**
     * Listens at {@code socket} (a unix path, or a TCP address whose port may be 0), accepting peers that know
     * {@code authkey}. An object no proxy
     * refers to any more is dropped, but not before {@code transitLease} has passed since a proxy to it was last
     * serialized: a proxy on its way to another process (in a queue, a pipe, a pool's task) is counted only when it
     * is read.
     */
    public ManagerServer(SocketAddress socket, byte[] authkey, Duration transitLease) throws IOException {
        if (transitLease.isNegative()) {
            throw new IllegalArgumentException("transit lease " + transitLease + " is negative");
        }
        this.leaseNanos = transitLease.toNanos();
        this.authkey = authkey.clone();
        this.listener = ServerSocketChannel.open(ManagerAddress.family(socket));
        try {
            if (ManagerAddress.isTcp(socket)) {
                listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            }
            listener.bind(socket);
            this.socket = listener.getLocalAddress();
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    /** The address clients connect to. */
    public SocketAddress socket() {
        return socket;
    }

    /** Notes how to undo what the current call took, should its caller never read the answer ({@link #LAST_CALL}). */
    static void undoIfUnread(Runnable undo) {
        List<Runnable> last = LAST_CALL.get();
        if (last != null) {
            last.add(undo);
        }
    }

    /**
     * Whether {@code process} (a holder, a waiter, a taker) has ended: by {@code /proc}, unless the server serving
     * the current thread could not confirm the process there when it said hello; then when its last connection to
     * that server has ended. Without that, a lock held by a live process of another pid namespace (or host) was
     * given to the next waiter: its pid named no process, or another, in this server's {@code /proc}.
     */
    static boolean hasEnded(OwnedCells.Owner process) {
        ManagerServer server = SERVING.get();
        Peer peer = server == null ? null : server.peers.get(process);
        if (peer != null && !peer.confirmed) {
            return false;
        }
        return ServerLiveness.isDead(process);
    }

    /** The process whose call the current thread runs, or null if its connection did not say. */
    static OwnedCells.Owner callerProcess() {
        return CALLER_PROCESS.get();
    }

    /**
     * Throws {@link CallerGone} if {@link #callerGone()}: for a blocking call's wait, between slices of at most
     * {@link OwnedCells#CHECK_MILLIS} ms.
     */
    static void checkCaller() {
        if (callerGone()) {
            throw new CallerGone();
        }
    }

    /** A blocking call's caller went away while it waited: the call ends, having taken nothing. */
    static final class CallerGone extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CallerGone() {
            super("the caller closed its connection", null, false, false);
        }
    }

    /**
     * Whether the caller of the call the current thread runs has closed its connection (its thread was interrupted,
     * its process died): the answer will never be read. Blocking calls ask this while they wait, and give up
     * without taking anything, so an abandoned wait neither keeps a server thread nor takes an item, a lock or a
     * signal for nobody. A caller sends nothing while its call runs, so anything readable means the end.
     */
    static boolean callerGone() {
        SocketChannel peer = CALLER.get();
        if (peer == null) {
            return false;
        }
        ByteBuffer one = PEEK.get().clear();
        try {
            peer.configureBlocking(false);
            try {
                return peer.read(one) != 0;
            } finally {
                peer.configureBlocking(true);
            }
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * The server whose connection the current thread serves, if it listens at {@code socket}: a proxy read there
     * refers to an object of this very server (CPython's server holds such references itself too).
     */
    static ManagerServer servingAt(SocketAddress socket) {
        ManagerServer s = SERVING.get();
        return s != null && ManagerAddress.sameServer(s.socket, socket) ? s : null;
    }

    /** Accepts connections until the listener is closed; each is served on its own daemon thread. */
    public void serve() {
        Thread sweeper = new Thread(this::sweep, "forkj-manager-sweep");
        sweeper.setDaemon(true);
        sweeper.start();
        while (listener.isOpen()) {
            SocketChannel peer;
            try {
                peer = listener.accept();
            } catch (IOException closed) {
                return;
            }
            if (ManagerAddress.isTcp(socket) && !tuned(peer)) {
                continue;
            }
            connections.add(peer);
            Thread t = new Thread(() -> serveConnection(peer), "forkj-manager-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    /** {@link ManagerAddress#tuneTcp}; false, with the peer closed, if it is gone already. */
    private static boolean tuned(SocketChannel peer) {
        try {
            ManagerAddress.tuneTcp(peer);
            return true;
        } catch (IOException gone) {
            try {
                peer.close();
            } catch (IOException ignored) {
                // closing
            }
            return false;
        }
    }

    /** Stops accepting and drops every connection. */
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        for (SocketChannel c : connections) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private void serveConnection(SocketChannel peer) {
        List<Runnable> lastCall = new ArrayList<>();
        LAST_CALL.set(lastCall);
        SERVING.set(this);
        CALLER.set(peer);
        Map<Long, Integer> held = new HashMap<>();
        try (peer) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(peer), 1 << 14));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(peer), 1 << 14));
            try {
                Handshake.server(Frames.channel(in, out), authkey);
            } catch (IOException rejected) {
                return;
            }
            while (true) {
                byte[] frame;
                try {
                    frame = Frames.read(in, Serial.MAX_FRAME);
                } catch (IOException closed) {
                    return;
                }
                // the caller has read the answer to its last call: an empty frame acknowledges one that asked
                lastCall.clear();
                if (frame.length == 0) {
                    continue;
                }
                if (frame[0] == Frames.HELLO) {
                    if (CALLER_PROCESS.get() == null) {
                        OwnedCells.Owner process = Frames.readHello(frame);
                        CALLER_PROCESS.set(process);
                        // in one step with the add: a connection of the same process ending meanwhile may drop
                        // an emptied entry; /proc is read once per process, not per connection
                        peers.compute(process, (p, known) -> {
                            Peer mine = known != null ? known : new Peer(ServerLiveness.isSeenAlive(p));
                            mine.open.add(peer);
                            return mine;
                        });
                    }
                    continue;
                }
                Messages.Reply reply = handle(frame, held);
                Frames.writeReply(out, reply.ok, reply.value, !lastCall.isEmpty());
            }
        } catch (IOException gone) {
            // the peer went away
        } finally {
            connections.remove(peer);
            OwnedCells.Owner process = CALLER_PROCESS.get();
            if (process != null) {
                // before the watchers below look: an unconfirmed process's last connection is its end
                peers.computeIfPresent(process, (p, mine) -> {
                    mine.open.remove(peer);
                    return mine.open.isEmpty() ? null : mine;
                });
            }
            synchronized (refs) {
                for (Map.Entry<Long, Integer> e : held.entrySet()) {
                    drop(e.getKey(), e.getValue());
                }
                held.clear();
            }
            lastCall.forEach(Runnable::run);
            for (Held h : objects.values()) {
                if (h.value instanceof Cells.ConnectionWatcher) {
                    // the peer's process may have died: what it held goes back now, not at a waiter's next check
                    ((Cells.ConnectionWatcher) h.value).connectionEnded();
                }
            }
        }
    }

    /** Answers one request frame; a frame that cannot be read is answered with the reason, as a call's failure is. */
    private Messages.Reply handle(byte[] frame, Map<Long, Integer> held) {
        try {
            if (frame.length > 0 && frame[0] == Frames.CALL) {
                return new Messages.Reply(true, call(Frames.readCall(frame)));
            }
            Object request = Frames.readObject(frame);
            if (request instanceof Messages.Create) {
                Messages.Create c = (Messages.Create) request;
                Held h = CUSTOM.equals(c.kind) ? createCustom(c.args) : new Held(create(c.kind, c.args), null);
                long id = ids.incrementAndGet();
                synchronized (refs) {
                    objects.put(id, h);
                    h.count = 1;
                    held.merge(id, 1, Integer::sum);
                }
                return new Messages.Reply(true, id);
            }
            if (request instanceof Messages.Ref) {
                Messages.Ref r = (Messages.Ref) request;
                return new Messages.Reply(true, r.delta > 0 ? incref(r.id, held) : decref(r.id, held));
            }
            if (request instanceof Messages.Transit) {
                transit(((Messages.Transit) request).id);
                return new Messages.Reply(true, true);
            }
            if (request instanceof Messages.Info) {
                return new Messages.Reply(true, info());
            }
            if (request instanceof Messages.KeepMemory) {
                return new Messages.Reply(true, keepMemory((Messages.KeepMemory) request));
            }
            throw new IllegalArgumentException("unknown manager request " + (request == null ? null : request.getClass()));
        } catch (InvocationTargetException e) {
            return new Messages.Reply(false, e.getCause());
        } catch (Throwable t) {
            return new Messages.Reply(false, t);
        }
    }

    /**
     * Opens the caller's memfd through its {@code /proc/PID/fd} entry and keeps it open until this server ends:
     * the memory's name is then this process's pid and fd, which resolve while the manager lives. Java's
     * {@code FileChannel} does not tell its fd, so the fd is the one among this process's that links to the memfd
     * and is not kept yet (opened under the lock, so the new one is the only such).
     */
    private int keepMemory(Messages.KeepMemory request) throws IOException {
        OwnedCells.Owner caller = CALLER_PROCESS.get();
        Peer peer = caller == null ? null : peers.get(caller);
        if (peer == null || !peer.confirmed) {
            throw new IllegalStateException("the manager keeps shared memory only for a process its own proc file"
                    + " system shows (same host and pid namespace); pid " + (caller == null ? "?" : caller.pid())
                    + " is not one: create it with SharedMemory.create instead");
        }
        if (request.fd < 0 || !request.token.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("not a forkj shared memory: fd " + request.fd + ", token "
                    + request.token);
        }
        String memfd = "/memfd:forkj-shm-" + request.token + " (deleted)";
        synchronized (keptMemory) {
            FileChannel channel = FileChannel.open(ProcFs.fdDirectory(caller.pid()).resolve(
                    Integer.toString(request.fd)), StandardOpenOption.READ, StandardOpenOption.WRITE);
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(ProcFs.self("fd"))) {
                for (Path fd : fds) {
                    int number = ProcParser.pidOfEntry(fd.getFileName().toString());
                    if (number >= 0 && !keptMemory.containsKey(number) && linksTo(fd, memfd)) {
                        keptMemory.put(number, channel);
                        return number;
                    }
                }
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            channel.close();
            throw new IllegalArgumentException("fd " + request.fd + " of pid " + caller.pid() + " is not the forkj"
                    + " shared memory " + request.token);
        }
    }

    private static boolean linksTo(Path link, String target) {
        try {
            return Files.readSymbolicLink(link).toString().equals(target);
        } catch (IOException closedMeanwhile) {
            return false;
        }
    }

    /**
     * An object made by the caller's factory ({@code args}: the factory, the exposed interface's name), which its
     * proxy reaches through that interface only. Python's {@code BaseManager.register(typeid, callable)}.
     */
    private static Held createCustom(Object[] args) throws Exception {
        Callable<?> factory = (Callable<?>) args[0];
        String name = (String) args[1];
        Class<?> exposed = Class.forName(name, false, ManagerServer.class.getClassLoader());
        if (!exposed.isInterface()) {
            throw new IllegalArgumentException(name + " is not an interface: a managed object is reached through one");
        }
        Object value = factory.call();
        if (!exposed.isInstance(value)) {
            throw new IllegalArgumentException("the factory made " + (value == null ? "null"
                    : "a " + value.getClass().getName()) + ", not a " + name);
        }
        return new Held(value, exposed);
    }

    private Object create(String kind, Object[] args) {
        switch (kind) {
            case "dict": {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (args.length > 0 && args[0] != null) {
                    m.putAll((Map<?, ?>) args[0]);
                }
                return m;
            }
            case "list": {
                List<Object> l = new ArrayList<>();
                if (args.length > 0 && args[0] != null) {
                    l.addAll((Collection<?>) args[0]);
                }
                return l;
            }
            case "namespace":
                return new Cells.NamespaceCell();
            case "value":
                return new Cells.ValueCell<>(args[0]);
            case "lock":
                return new OwnedCells.SyncCell(OwnedCells.Kind.LOCK, 1);
            case "rlock":
                return new OwnedCells.SyncCell(OwnedCells.Kind.RLOCK, 1);
            case "semaphore":
                return new OwnedCells.SyncCell(OwnedCells.Kind.SEMAPHORE, (Integer) args[0]);
            case "boundedSemaphore":
                return new OwnedCells.SyncCell(OwnedCells.Kind.BOUNDED_SEMAPHORE, (Integer) args[0]);
            case "condition":
                return new OwnedCells.ConditionCell(args[0] == null
                        ? new OwnedCells.SyncCell(OwnedCells.Kind.RLOCK, 1) : lockOf(args[0]));
            case "array":
                return new Cells.ArrayCell((Character) args[0], args[1]);
            case "event":
                return new Cells.EventCell();
            case "barrier":
                return new Cells.BarrierCell((Integer) args[0]);
            case "joinableQueue":
                return new QueueCells.JoinableCell<>((Integer) args[0]);
            case "queue":
                return new QueueCells.QueueCell<>((Integer) args[0]);
            default:
                throw new IllegalArgumentException("a manager cannot create a '" + kind + "'");
        }
    }

    /** The lock behind a proxy of this server's, read in a request: a condition's own lock. */
    private OwnedCells.SyncCell lockOf(Object proxy) {
        if (!RemoteObject.isServedAt(proxy, socket)) {
            throw new IllegalArgumentException("a condition's lock must come from the same manager, not " + proxy);
        }
        Held h = objects.get(RemoteObject.idOf(proxy));
        if (h == null || !(h.value instanceof OwnedCells.SyncCell)) {
            throw new IllegalArgumentException("a condition's lock must be a manager Lock or RLock, not " + proxy);
        }
        return (OwnedCells.SyncCell) h.value;
    }

    /** One more reference to {@code id}, held by {@code holder}; false if the object was dropped already. */
    private boolean incref(long id, Map<Long, Integer> holder) {
        synchronized (refs) {
            Held h = objects.get(id);
            if (h == null) {
                return false;
            }
            h.count++;
            holder.merge(id, 1, Integer::sum);
            return true;
        }
    }

    /** One reference fewer, if {@code holder} has one; the object goes when none is left and no lease runs. */
    private boolean decref(long id, Map<Long, Integer> holder) {
        synchronized (refs) {
            Integer n = holder.get(id);
            if (n == null) {
                return false;
            }
            if (n == 1) {
                holder.remove(id);
            } else {
                holder.put(id, n - 1);
            }
            drop(id, 1);
            return true;
        }
    }

    /** Under {@link #refs}: removes {@code n} references to {@code id}. */
    private void drop(long id, int n) {
        Held h = objects.get(id);
        if (h == null) {
            return;
        }
        h.count -= n;
        if (h.count <= 0) {
            if (System.nanoTime() - h.leaseEnd >= 0) {
                objects.remove(id);
            } else {
                unreferenced.add(id);
            }
        }
    }

    private void transit(long id) {
        synchronized (refs) {
            Held h = objects.get(id);
            if (h != null) {
                h.leaseEnd = System.nanoTime() + leaseNanos;
            }
        }
    }

    /** Drops the unreferenced objects whose lease has ended; ends when the listener closes. */
    private void sweep() {
        long period = Math.max(10, Math.min(1000, leaseNanos / 4_000_000));
        long lastLook = System.nanoTime();
        while (listener.isOpen()) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            if (System.nanoTime() - lastLook >= DEATH_LOOK_NANOS) {
                lastLook = System.nanoTime();
                endConnectionsOfDeadProcesses();
            }
            synchronized (refs) {
                long now = System.nanoTime();
                unreferenced.removeIf(id -> {
                    Held h = objects.get(id);
                    if (h == null || h.count > 0) {
                        return true;
                    }
                    if (now - h.leaseEnd >= 0) {
                        objects.remove(id);
                        return true;
                    }
                    return false;
                });
            }
        }
    }

    /**
     * Ends the input of every connection whose (confirmed) process has died: its thread then reads the end, as if
     * the process's exit had closed it, and a call waiting for it gives up. A FORK child that inherited the
     * connection keeps it open otherwise, and an item taken for the dead caller waited for that child's exit.
     */
    private void endConnectionsOfDeadProcesses() {
        for (Map.Entry<OwnedCells.Owner, Peer> e : peers.entrySet()) {
            if (e.getValue().confirmed && ServerLiveness.isDead(e.getKey())) {
                for (SocketChannel peer : e.getValue().open) {
                    try {
                        peer.shutdownInput();
                    } catch (IOException closedAlready) {
                        // its thread has ended it
                    }
                }
            }
        }
    }

    private Map<Long, Integer> info() {
        synchronized (refs) {
            Map<Long, Integer> counts = new TreeMap<>();
            objects.forEach((id, h) -> counts.put(id, h.count));
            return counts;
        }
    }

    /** A proxy read by this server: one more reference, held by the server itself. */
    boolean increfHere(long id) {
        return incref(id, heldHere);
    }

    /** That proxy was collected. */
    void decrefHere(long id) {
        decref(id, heldHere);
    }

    /** A proxy being written by this server: the same lease as a client's. */
    void transitHere(long id) {
        transit(id);
    }

    private Object call(Messages.Call call) throws Exception {
        Held held = objects.get(call.id);
        if (held == null) {
            throw new IllegalArgumentException("the manager holds no object " + call.id
                    + ": every proxy to it was collected, or its manager's transit lease ended before it was read");
        }
        Object target = held.value;
        if ("snapshot".equals(call.method)) {
            synchronized (target) {
                if (target instanceof Map) {
                    return new LinkedHashMap<>((Map<?, ?>) target);
                }
                return new ArrayList<>((Collection<?>) target);
            }
        }
        if (held.exposed != null) {
            // A caller's object: any method of its interface, run as the object's own code decides (as CPython's
            // server threads do: the object is as thread-safe as its class makes it).
            return resolveExposed(call, held.exposed).invoke(target, call.args);
        }
        Resolved r = METHODS.computeIfAbsent(signature(call), s -> resolve(call));
        Method m = r.method;
        if (!r.declaring.isInstance(target)) {
            throw new IllegalArgumentException(call.declaring + "." + call.method + " cannot be called on a managed "
                    + target.getClass().getSimpleName());
        }
        if (target instanceof BlockingQueue || target instanceof Cells.SelfLocking) {
            return m.invoke(target, call.args);
        }
        synchronized (target) {
            return m.invoke(target, call.args);
        }
    }

    private static String signature(Messages.Call call) {
        return call.declaring + '.' + call.method + '(' + String.join(",", call.types) + ')';
    }

    /** The interface a call names and its method (which may be declared by a superinterface). */
    private static final class Resolved {
        final Class<?> declaring;
        final Method method;

        Resolved(Class<?> declaring, Method method) {
            this.declaring = declaring;
            this.method = method;
        }
    }

    /**
     * A method of a caller's object: declared by its exposed interface or one that interface extends (Object's
     * methods included); anything else is refused, so a proxy reaches no more of the object than its interface.
     */
    private static Method resolveExposed(Messages.Call call, Class<?> exposed) {
        Method m = EXPOSED_METHODS.computeIfAbsent(signature(call), s -> method(call, declaringClass(call)));
        if (!m.getDeclaringClass().isAssignableFrom(exposed)) {
            throw new IllegalArgumentException(call.declaring + "." + call.method + " is not a method of "
                    + exposed.getName() + ", the interface this managed object is reached through");
        }
        return m;
    }

    /** The public interface method a call names; a class outside {@link #CALLABLE} is refused. */
    private static Resolved resolve(Messages.Call call) {
        Class<?> declaring = declaringClass(call);
        if (!CALLABLE.contains(declaring)) {
            throw new IllegalArgumentException(call.declaring + "." + call.method
                    + " cannot be called on a managed object");
        }
        return new Resolved(declaring, method(call, declaring));
    }

    /** The class a call names. */
    private static Class<?> declaringClass(Messages.Call call) {
        try {
            return Class.forName(call.declaring, false, ManagerServer.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw noMethod(call, e);
        }
    }

    /** The public method of {@code declaring} (an interface, or Object) a call names, by its parameter types. */
    private static Method method(Messages.Call call, Class<?> declaring) {
        if (!declaring.isInterface() && declaring != Object.class) {
            throw new IllegalArgumentException(call.declaring + "." + call.method
                    + " cannot be called on a managed object: not an interface");
        }
        try {
            Class<?>[] types = new Class<?>[call.types.length];
            for (int i = 0; i < types.length; i++) {
                Class<?> p = PRIMITIVES.get(call.types[i]);
                types[i] = p != null ? p : Class.forName(call.types[i], false, ManagerServer.class.getClassLoader());
            }
            return declaring.getMethod(call.method, types);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw noMethod(call, e);
        }
    }

    private static IllegalArgumentException noMethod(Messages.Call call, Exception cause) {
        return new IllegalArgumentException("a managed object has no method " + call.declaring + "." + call.method
                + "(" + String.join(", ", call.types) + ")", cause);
    }
}
