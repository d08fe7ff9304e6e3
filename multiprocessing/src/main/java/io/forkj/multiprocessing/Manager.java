package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.Handshake;
import io.forkj.multiprocessing.internal.manager.ManagerAddress;
import io.forkj.multiprocessing.internal.manager.ManagerClient;
import io.forkj.multiprocessing.internal.manager.ManagerServer;
import io.forkj.multiprocessing.internal.manager.ManagerServerMain;
import io.forkj.multiprocessing.internal.manager.RemoteObject;
import io.forkj.multiprocessing.internal.manager.SyncProxies;
import io.forkj.multiprocessing.internal.manager.ServerProcess;
import io.forkj.multiprocessing.internal.pool.PipeEnd;

import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;

/**
 * A server process holding shared objects, used from any process through proxies: Python's
 * {@code multiprocessing.Manager()} ({@code SyncManager}).
 *
 * <pre>{@code
 * try (Manager manager = new Manager()) {                 // with Manager() as manager:
 *     Map<String, Integer> d = manager.dict();            //     d = manager.dict()
 *     List<Integer> l = manager.list();                   //     l = manager.list()
 *     // pass d and l to child processes; each d.put / l.add is one atomic call in the server
 *     d.merge("hits", 1, Integer::sum);                   //     (atomic d["hits"] += 1, which CPython lacks)
 * }                                                       // server stops
 * }</pre>
 *
 * <p>Proxies implement {@link Map}, {@link List} ({@link #list()} and the fixed-length {@link #array}),
 * {@link BlockingQueue}, {@link JoinableQueueProxy}, {@link Namespace}, {@link ValueProxy}, {@link AcquirerProxy}
 * (Lock, RLock, Semaphore, BoundedSemaphore), {@link ConditionProxy}, {@link EventProxy} and {@link BarrierProxy}:
 * every type CPython's {@code SyncManager} registers but {@code Pool}. Every method call is one round trip to the
 * server and runs there atomically, so many
 * processes can mutate one dict with no lost update for single calls ({@code put}, {@code merge}, {@code compute}
 * with a serializable function); a {@code get} followed by a {@code put} is two calls, as in CPython. Views
 * ({@code keySet()}, {@code iterator()}, {@code subList}, streams) are snapshots copied in one call. An exception
 * thrown in the server is rethrown to the caller as itself. Objects of your own classes are served through an
 * interface with {@link #proxy} ({@code BaseManager.register}), and a process given only the {@link #address()} and
 * the {@link #authkey()} joins with {@link #connect} (CPython's remote manager).
 *
 * <p>The server is a fresh JVM listening on a unix socket in a private directory (mode 0700), or at the address
 * {@link #Manager(SocketAddress, byte[])} gives it (TCP, CPython's {@code BaseManager(address=(host, port))});
 * every connection proves it knows the manager's authkey (32 random bytes unless given) with CPython's HMAC
 * challenge in both directions, and a peer failing it is dropped. Proxies carry the address and authkey, so they
 * can be passed to child processes as arguments. The server exits when the manager is closed or this JVM exits, and
 * by itself when the process that started it dies (its control pipe reaches end of file); it then removes its
 * socket and directory, so nothing is left in {@code /tmp} even after a SIGKILL of the owner. It is not a daemon
 * process on purpose: a parent-death SIGKILL would leave the socket file behind.
 *
 * <p>The server counts references, as CPython's does: each proxy, in each process, holds one, and an object is
 * dropped when its last proxy is garbage collected ({@link #objectCount()} shows it). Unlike CPython, a process that
 * dies (even by SIGKILL) gives its references back, because they belong to its connection; and a proxy on its way
 * to another process (serialized into a queue, a pipe, a pool's task, a child's target) keeps its object for the
 * transit lease, 5 minutes unless {@link #Manager(Duration)} says otherwise, even if every other proxy is collected
 * before the copy is read: CPython frees such an object at once and the copy fails. A copy read after the lease,
 * when nothing else held the object, fails on its first call with an {@link IllegalArgumentException} that says so.
 * A FORK child takes no references (it may run no code its parent never ran): it relies on its parent's, which its
 * process object keeps until it is joined, and on the lease for proxies it reads. As everywhere in Java,
 * "collected" means a garbage collection has run: an unreachable proxy keeps its object until then.
 *
 * <p>Locks and semaphores know which thread of which process holds them, so what a process holds when it dies
 * (even by SIGKILL) goes back: at once when its connections close, or within 100 ms of another process waiting.
 * CPython's server keeps it held for ever and every other process waiting for it blocks for good.
 */
public final class Manager implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final Duration TRANSIT_LEASE = Duration.ofMinutes(5);
    private static final Duration MAX_TRANSIT_LEASE = Duration.ofDays(365);

    /** The server process, its control pipe and shutdown hook: null in a view made by {@link #connect}. */
    private final MpProcess server;
    private final OutputStream control;
    /** Where the server listens: a unix path (by default in a private directory) or a TCP address. */
    private final SocketAddress socket;
    /** The private directory holding the socket, for a manager that chose its own address; else null. */
    private final Path privateDirectory;
    private final byte[] authkey;
    private final PipeEnd controlPipe;
    private final int serverPid;
    private Thread onExit;
    private boolean closed;

    /**
     * Python's {@code Manager()}: starts the server process (a SPAWN process) and returns once it accepts
     * connections. A serialized proxy keeps its object for 5 minutes (see the class comment).
     *
     * @throws IllegalStateException if the server ended before it was ready
     */
    public Manager() {
        this(TRANSIT_LEASE);
    }

    /**
     * A manager whose serialized proxies keep their objects for {@code transitLease} after the last serialization,
     * however many proxies are left (CPython has no such lease: it frees at once). Longer is safer for proxies that
     * wait long in a queue; shorter frees dropped objects sooner.
     *
     * @throws IllegalArgumentException if {@code transitLease} is negative or longer than a year
     * @throws IllegalStateException if the server ended before it was ready
     */
    public Manager(Duration transitLease) {
        this(transitLease, null, Handshake.newAuthkey());
    }

    /**
     * Python's {@code BaseManager(address=address, authkey=authkey)} then {@code start()}: a server listening at
     * {@code address}, which processes of any user, and on other machines for a TCP address, reach with
     * {@link #connect(SocketAddress, byte[])} and the key (CPython's remote manager). Every connection proves it
     * knows the key before anything is read from it; the calls that follow are Java serialization, so give a long
     * random key and bind to the addresses you mean ({@code 127.0.0.1}, not every interface, unless other machines
     * must reach it). {@link #socketAddress()} tells the port the kernel chose for port 0.
     *
     * @param address an {@link java.net.InetSocketAddress} (port 0 for any free one) or a
     *                {@link java.net.UnixDomainSocketAddress} (a path that does not exist yet)
     * @throws IllegalArgumentException for another kind of address, a host that does not resolve, or an empty key
     * @throws IllegalStateException    if the server could not listen there (the port is taken, say: see its stderr)
     */
    public Manager(SocketAddress address, byte[] authkey) {
        this(TRANSIT_LEASE, ManagerAddress.checked(address), Listener.checkedKey(authkey));
    }

    private Manager(Duration transitLease, SocketAddress requested, byte[] authkey) {
        if (transitLease.isNegative() || transitLease.compareTo(MAX_TRANSIT_LEASE) > 0) {
            throw new IllegalArgumentException("transit lease " + transitLease + " is outside 0.." + MAX_TRANSIT_LEASE);
        }
        this.authkey = authkey;
        PipeEnd[] control;
        PipeEnd[] ready;
        try {
            control = PipeEnd.pipe();
            ready = PipeEnd.pipe();
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the manager's pipes", e);
        }
        MpProcess process = new MpProcess(Target.of(ManagerServerMain::run, new PipeEnd[] {control[0], ready[1]}),
                "SyncManager").daemon(false).startMethod(StartMethod.SPAWN);
        try {
            try {
                process.start();
            } finally {
                control[0].close();
                ready[1].close();
            }
            this.control = control[1].openOutput();
            control[1].close();
            InputStream readyIn = ready[0].openInput();
            ready[0].close();
            DataOutputStream settings = new DataOutputStream(this.control);
            settings.writeInt(authkey.length);
            settings.write(authkey);
            settings.writeLong(transitLease.toMillis());
            settings.writeUTF(requested == null ? "" : ManagerAddress.format(requested));
            settings.flush();
            String line;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(readyIn, StandardCharsets.UTF_8))) {
                line = r.readLine();
            } finally {
                ready[0].forget();
            }
            if (line == null) {
                process.join(STOP_GRACE);
                throw new IllegalStateException("the manager's server process " + process.pid()
                        + " ended before it was ready (exit code " + process.exitCode() + "); see its stderr");
            }
            this.socket = ManagerAddress.parse(line);
            this.privateDirectory = requested == null ? ManagerAddress.path(socket).getParent() : null;
            this.controlPipe = control[0];
            this.server = process;
            this.serverPid = process.pid();
            this.onExit = new Thread(this::close, "forkj-manager-shutdown");
            Runtime.getRuntime().addShutdownHook(onExit);
        } catch (IOException e) {
            process.kill();
            throw new UncheckedIOException("could not start the manager's server process", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.kill();
            throw new IllegalStateException("interrupted while starting the manager", e);
        }
    }

    /** A view of a server another process started: see {@link #connect}. */
    private Manager(SocketAddress socket, byte[] authkey, int serverPid) {
        this.server = null;
        this.control = null;
        this.controlPipe = null;
        this.socket = socket;
        this.privateDirectory = null;
        this.authkey = authkey;
        this.serverPid = serverPid;
    }

    /**
     * Python's {@code BaseManager(address, authkey).connect()}, CPython's "remote manager": a view of a manager that
     * another process of this user started, found by its {@link #address()} and proved by its {@link #authkey()}
     * (handed over by any means: a file, a pipe, a command line). Proxies made through the view ({@link #dict()},
     * {@link #proxy}, ...) live in that server; to share one object with the starter, let the factory of
     * {@link #proxy} return one the server keeps (a {@code static} field of a class, say), as CPython's registered
     * callables return a global. The server stays its starter's: closing the view ends only this view (its proxies
     * keep working), and {@link #shutdown()} is refused.
     *
     * @throws AuthenticationException if the key is not the manager's
     * @throws IOException             if nothing listens at {@code address}
     */
    public static Manager connect(Path address, byte[] authkey) throws IOException {
        if (address == null) {
            throw new IllegalArgumentException("connect needs a manager's address and its authkey, not null");
        }
        return connect(UnixDomainSocketAddress.of(address), authkey);
    }

    /**
     * {@link #connect(Path, byte[])} for any manager address: a TCP one too (CPython's
     * {@code BaseManager(address=(host, port), authkey=key).connect()}), such as a manager made with
     * {@link #Manager(SocketAddress, byte[])} on another machine.
     *
     * @throws AuthenticationException  if the key is not the manager's
     * @throws IOException              if nothing listens at {@code address}
     * @throws IllegalArgumentException for an address that is neither a unix path nor a resolved host and port
     */
    public static Manager connect(SocketAddress address, byte[] authkey) throws IOException {
        if (address == null || authkey == null) {
            throw new IllegalArgumentException("connect needs a manager's address and its authkey, not null");
        }
        ManagerAddress.checked(address);
        byte[] key = authkey.clone();
        checkAuthkey(address, key);
        ServerProcess here = RemoteObject.create(address, key, ServerProcess.class, ManagerServer.CUSTOM,
                (SerializableCallable<ServerProcess>) ServerProcess.Here::new, ServerProcess.class.getName());
        return new Manager(address, key, (int) here.pid());
    }

    /** The key that proves access to the server (CPython's manager {@code authkey}): a copy, for {@link #connect}. */
    public byte[] authkey() {
        return authkey.clone();
    }

    /**
     * The unix socket the server listens on (CPython's {@code manager.address}).
     *
     * @throws IllegalStateException for a manager on TCP: see {@link #socketAddress()}
     */
    public Path address() {
        Path path = ManagerAddress.path(socket);
        if (path == null) {
            throw new IllegalStateException("the manager listens on TCP at " + socket + ", not a unix path: see"
                    + " socketAddress()");
        }
        return path;
    }

    /**
     * Where the server listens, a unix path or a TCP address (with the port the kernel chose for port 0): CPython's
     * {@code manager.address}, for {@link #connect(SocketAddress, byte[])}.
     */
    public SocketAddress socketAddress() {
        return socket;
    }

    /** The server process's pid. */
    public int pid() {
        return serverPid;
    }

    /**
     * How many objects the server holds now (CPython's {@code manager._number_of_objects()}): those some proxy
     * still refers to, or whose transit lease runs.
     */
    public int objectCount() {
        return referenceCounts().size();
    }

    /**
     * How many references the server counts on the object behind {@code proxy}, one per proxy in each process
     * (CPython shows them in {@code manager._debug_info()}): 0 while only a transit lease keeps it, empty once it is
     * dropped.
     *
     * @throws IllegalArgumentException if {@code proxy} is not a proxy made by this manager
     */
    public OptionalInt referenceCount(Object proxy) {
        if (!RemoteObject.isProxyOf(proxy, socket)) {
            throw new IllegalArgumentException(proxy == null ? "null is not a manager proxy"
                    : "a " + proxy.getClass().getName() + " is not a proxy of the manager at " + socket);
        }
        Integer n = referenceCounts().get(RemoteObject.idOf(proxy));
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    private Map<Long, Integer> referenceCounts() {
        return ManagerClient.referenceCounts(open(), authkey);
    }

    /**
     * Python's {@code SharedMemoryManager.SharedMemory(size)}: new shared memory whose name the manager keeps. A
     * {@link SharedMemory#create(int)} name resolves only while its creator keeps it; this one is the server's (its
     * pid and its fd, which it opened through this process's {@code /proc/PID/fd}) and resolves until the manager
     * shuts down, whether this process closed it or ended. {@code unlink()} and {@code close()} here act on this
     * process only; the memory itself is freed with its last mapping once the manager is gone.
     *
     * @throws IllegalArgumentException if size is not positive
     * @throws IllegalStateException    if the server cannot see this process in its {@code /proc} (another host or
     *                                  pid namespace: it cannot open this process's fd there)
     */
    public SharedMemory sharedMemory(int size) {
        SharedMemory mine = SharedMemory.create(size);
        try {
            int fd = ManagerClient.keepMemory(open(), authkey, mine.segment().fd(), mine.token());
            return mine.keptBy(serverPid, fd);
        } catch (RuntimeException e) {
            mine.close();
            throw e;
        }
    }

    /**
     * Python's {@code SharedMemoryManager.ShareableList(sequence)}: a {@link ShareableList} in memory from
     * {@link #sharedMemory(int)}, whose name resolves until the manager shuts down.
     *
     * @throws IllegalArgumentException as {@link ShareableList#create(Iterable)}
     * @throws IllegalStateException    as {@link #sharedMemory(int)}
     */
    public ShareableList shareableList(Iterable<?> sequence) {
        return ShareableList.create(sequence, this::sharedMemory);
    }

    /** Python's {@code manager.dict()}: an empty shared map keeping insertion order. */
    public <K, V> Map<K, V> dict() {
        return create(Map.class, "dict", (Object) null);
    }

    /** Python's {@code manager.dict(initial)}. */
    public <K, V> Map<K, V> dict(Map<? extends K, ? extends V> initial) {
        return create(Map.class, "dict", new java.util.LinkedHashMap<>(initial));
    }

    /** Python's {@code manager.list()}. */
    public <E> List<E> list() {
        return create(List.class, "list", (Object) null);
    }

    /** Python's {@code manager.list(initial)}. */
    public <E> List<E> list(Collection<? extends E> initial) {
        return create(List.class, "list", new ArrayList<>(initial));
    }

    /**
     * Python's {@code manager.Array(typecode, sequence)}: a fixed-length list of one C type held by the server.
     * {@code get}, {@code set} and {@code size} are Python's {@code a[i]}, {@code a[i] = v} and {@code len(a)}, each
     * atomic; values are boxed as {@link RawArray#get}'s; views and iteration are snapshots, as for {@link #list()}.
     * Adding or removing throws {@link UnsupportedOperationException}, as the length is fixed.
     *
     * @param sizeOrInitializer as {@link RawArray#RawArray(char, Object)}'s: a size (zero-filled), an array or a list
     * @throws IllegalArgumentException for an unknown type code, a negative size or a value that does not fit it
     *                                  (also from {@code set})
     */
    public List<Object> array(char typecode, Object sizeOrInitializer) {
        return create(List.class, "array", typecode, sizeOrInitializer);
    }

    /** Python's {@code manager.Namespace()}. */
    public Namespace namespace() {
        return create(Namespace.class, "namespace");
    }

    /** Python's {@code manager.Value(typecode, value)}: the type is the value's. */
    public <T> ValueProxy<T> value(T initial) {
        return create(ValueProxy.class, "value", initial);
    }

    /** Python's {@code manager.Lock()}: any thread may release it, as in Python. */
    public AcquirerProxy lock() {
        return SyncProxies.acquirer(open(), authkey, "lock");
    }

    /** Python's {@code manager.RLock()}: reentrant; only the thread (of the process) holding it may release it. */
    public AcquirerProxy rlock() {
        return SyncProxies.acquirer(open(), authkey, "rlock");
    }

    /**
     * Python's {@code manager.Semaphore(value)}.
     *
     * @throws IllegalArgumentException if {@code value} is negative (Python's ValueError)
     */
    public AcquirerProxy semaphore(int value) {
        return SyncProxies.acquirer(open(), authkey, "semaphore", value);
    }

    /** Python's {@code manager.Semaphore()}: {@code semaphore(1)}. */
    public AcquirerProxy semaphore() {
        return semaphore(1);
    }

    /**
     * Python's {@code manager.BoundedSemaphore(value)}: {@link AcquirerProxy#release()} past {@code value} throws
     * {@link IllegalStateException} (Python's ValueError).
     *
     * @throws IllegalArgumentException if {@code value} is negative
     */
    public AcquirerProxy boundedSemaphore(int value) {
        return SyncProxies.acquirer(open(), authkey, "boundedSemaphore", value);
    }

    /** Python's {@code manager.BoundedSemaphore()}: {@code boundedSemaphore(1)}. */
    public AcquirerProxy boundedSemaphore() {
        return boundedSemaphore(1);
    }

    /** Python's {@code manager.Condition()}: over a new manager RLock. */
    public ConditionProxy condition() {
        return SyncProxies.condition(open(), authkey, null);
    }

    /**
     * Python's {@code manager.Condition(lock)}.
     *
     * @param lock a {@link #lock()} or {@link #rlock()} of this manager
     * @throws IllegalArgumentException if {@code lock} is anything else
     */
    public ConditionProxy condition(AcquirerProxy lock) {
        if (lock == null) {
            throw new IllegalArgumentException("a condition's lock must be a lock() or rlock() of this manager, not null");
        }
        return SyncProxies.condition(open(), authkey, lock);
    }

    /** Python's {@code manager.Event()}: cleared. */
    public EventProxy event() {
        return create(EventProxy.class, "event");
    }

    /**
     * Python's {@code manager.Barrier(parties)}.
     *
     * @throws IllegalArgumentException if {@code parties} is less than 1
     */
    public BarrierProxy barrier(int parties) {
        return create(BarrierProxy.class, "barrier", parties);
    }

    /**
     * Python's {@code manager.JoinableQueue(maxsize)}, a {@link #queue(int)} that counts unfinished tasks. Unlike
     * CPython's, a consumer process that dies between taking an item and {@code taskDone} does not leave
     * {@code join} waiting for ever: its items go back to the head of the queue for another consumer (a process's
     * {@code taskDone} marks its oldest item taken as done).
     *
     * @param maxsize the bound; 0 or less for none
     */
    public <E> JoinableQueueProxy<E> joinableQueue(int maxsize) {
        return create(JoinableQueueProxy.class, "joinableQueue", maxsize);
    }

    /** Python's {@code manager.JoinableQueue()}: unbounded. */
    public <E> JoinableQueueProxy<E> joinableQueue() {
        return joinableQueue(0);
    }

    /**
     * Python's {@code manager.Queue(maxsize)} as a {@link BlockingQueue}: {@code put} blocks when full, {@code take}
     * is {@code get()}, {@code poll(timeout)} is {@code get(timeout=...)}, {@code offer}/{@code poll()} are the
     * {@code _nowait} forms. Unlike CPython's, no item is lost to a consumer that goes away: a {@code take} whose
     * thread is interrupted or whose process dies while it waits takes nothing, and an item whose answer the
     * consumer never read goes back to the head of the queue; {@code drainTo} is refused (it would fill the
     * server's copy of the collection).
     *
     * @param maxsize the bound; 0 or less for none
     */
    public <E> BlockingQueue<E> queue(int maxsize) {
        return create(BlockingQueue.class, "queue", maxsize);
    }

    /** Python's {@code manager.Queue()}: unbounded. */
    public <E> BlockingQueue<E> queue() {
        return queue(0);
    }

    /**
     * Python's {@code BaseManager.register(typeid, callable)} and {@code manager.typeid()}: runs {@code factory} in
     * the manager's server and returns a proxy to the object it made, reached through {@code exposed} only. Every
     * method of the interface (and of the interfaces it extends) runs on that object in the server, with the
     * arguments and the result serialized; an exception the method throws is thrown by the proxy's call as itself
     * (a checked one the interface method does not declare arrives as the cause of a
     * {@link java.util.concurrent.CompletionException}; one that cannot be serialized as a {@link RemoteException}).
     * The proxy passes to children like {@link #dict()}'s, and the object lives while any process holds a proxy to
     * it.
     *
     * <p>Calls from different processes (and threads) run concurrently in the server, one server thread per client
     * connection, as in CPython: the object is as thread-safe as its class makes it ({@code synchronized} methods
     * make each call atomic, and may {@code wait()} inside). The server has this JVM's class path, so the
     * interface, the object's class and the factory's captured values must be found there.
     *
     * @param exposed an interface the object implements; a proxy can call nothing else on it
     * @param factory makes the object, in the server (a lambda or method reference: it is serialized)
     * @throws IllegalArgumentException if {@code exposed} is not an interface, or the factory's object does not
     *                                  implement it
     * @throws RuntimeException         what the factory threw, as the proxy's calls throw (see above)
     */
    public <T> T proxy(Class<T> exposed, SerializableCallable<? extends T> factory) {
        if (exposed == null || !exposed.isInterface()) {
            throw new IllegalArgumentException((exposed == null ? "null" : exposed.getName()) + " is not an interface:"
                    + " a managed object is reached through one (java.lang.reflect.Proxy)");
        }
        if (factory == null) {
            throw new IllegalArgumentException("a managed object needs a factory, not null");
        }
        return create(exposed, ManagerServer.CUSTOM, factory, exposed.getName());
    }

    @SuppressWarnings("unchecked")
    private <T> T create(Class<?> face, String kind, Object... args) {
        return (T) RemoteObject.create(open(), authkey, face, kind, args);
    }

    /** The server's address, if the manager is not shut down. */
    private synchronized SocketAddress open() {
        if (closed) {
            throw new IllegalStateException("the manager is shut down");
        }
        return socket;
    }

    /**
     * Python's {@code manager.shutdown()} and the end of {@code with Manager()}: stops the server (its control pipe
     * closes; SIGKILL if it is still there after 5 s) and reaps it. Proxies fail afterwards. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (server == null) {
            return; // a view from connect(): the server is its starter's
        }
        if (Thread.currentThread() != onExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException exiting) {
                // the JVM is shutting down; the hook runs or ran
            }
        }
        ManagerClient.closeAll(socket);
        try {
            control.close();
        } catch (IOException ignored) {
            // the server is gone already
        }
        controlPipe.forget();
        try {
            if (!server.join(STOP_GRACE)) {
                server.kill();
                server.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.kill();
        }
        try {
            Path path = ManagerAddress.path(socket);
            if (path != null) {
                Files.deleteIfExists(path);
            }
            if (privateDirectory != null) {
                Files.deleteIfExists(privateDirectory);
            }
        } catch (IOException ignored) {
            // removed by the server
        }
    }

    /**
     * Python's {@code manager.shutdown()}: {@link #close()}.
     *
     * @throws IllegalStateException on a view from {@link #connect}: only the process that started the server stops it
     */
    public void shutdown() {
        if (server == null) {
            throw new IllegalStateException("this manager at " + socket + " was started by another process (pid "
                    + serverPid + "'s starter): only its starter shuts it down (Python: a connected manager has no"
                    + " shutdown)");
        }
        close();
    }

    /**
     * Opens one authenticated connection to a manager and closes it again: CPython's
     * {@code multiprocessing.connection.Client(address, authkey=key)}, for checking a key.
     *
     * @throws AuthenticationException if the key is wrong
     */
    public static void checkAuthkey(Path address, byte[] authkey) throws IOException {
        checkAuthkey(UnixDomainSocketAddress.of(address), authkey);
    }

    /**
     * {@link #checkAuthkey(Path, byte[])} for any manager address.
     *
     * @throws AuthenticationException if the key is wrong
     */
    public static void checkAuthkey(SocketAddress address, byte[] authkey) throws IOException {
        ManagerClient.Conn c = ManagerClient.open(address, authkey, ProcessHandle.current().pid());
        ManagerClient.closeConnection(c);
    }
}
