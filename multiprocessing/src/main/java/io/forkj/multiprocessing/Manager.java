package io.forkj.multiprocessing;

import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.posix.Child;
import io.forkj.posix.Spawn;
import io.forkj.posix.internal.Native;
import io.forkj.multiprocessing.internal.manager.Handshake;
import io.forkj.multiprocessing.internal.manager.ManagerClient;
import io.forkj.multiprocessing.internal.manager.ManagerServerMain;
import io.forkj.multiprocessing.internal.manager.RemoteObject;
import io.forkj.multiprocessing.internal.pool.SpawnLauncher;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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
 * <p>Proxies implement {@link Map}, {@link List}, {@link BlockingQueue}, {@link Namespace}, {@link ValueProxy} and
 * {@link AcquirerProxy}. Every method call is one round trip to the server and runs there atomically, so many
 * processes can mutate one dict with no lost update for single calls ({@code put}, {@code merge}, {@code compute}
 * with a serializable function); a {@code get} followed by a {@code put} is two calls, as in CPython. Views
 * ({@code keySet()}, {@code iterator()}, {@code subList}, streams) are snapshots copied in one call. An exception
 * thrown in the server is rethrown to the caller as itself.
 *
 * <p>The server is a fresh JVM listening on a unix socket in a private directory (mode 0700); every connection
 * proves it knows the manager's random 32-byte authkey with CPython's HMAC challenge in both directions, and a peer
 * failing it is dropped. Proxies carry the address and authkey, so they can be passed to child processes as
 * arguments. The server exits when the manager is closed, and by itself when the process that started it dies.
 * Objects live as long as the manager (CPython counts references instead).
 */
public final class Manager implements AutoCloseable {
    private static final int O_CLOEXEC = 02000000;
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final Child server;
    private final OutputStream control;
    private final Path socket;
    private final byte[] authkey;
    private boolean closed;

    /** Python's {@code Manager()}: starts the server process and returns once it accepts connections. */
    public Manager() {
        this.authkey = Handshake.newAuthkey();
        int[] control = new int[2];
        int[] ready = new int[2];
        pipe(control);
        try {
            pipe(ready);
        } catch (RuntimeException e) {
            close(control);
            throw e;
        }
        Child child = null;
        try {
            List<String> argv = new ArrayList<>(SpawnLauncher.javaCommand());
            argv.add(ManagerServerMain.class.getName());
            argv.add(Integer.toString(control[0]));
            argv.add(Integer.toString(ready[1]));
            child = Spawn.command(argv).passFds(control[0], ready[1]).exec();
            this.control = new FileOutputStream(SpawnLauncher.procFd(control[1]));
            FileInputStream readyIn = new FileInputStream(SpawnLauncher.procFd(ready[0]));
            close(control[0], control[1], ready[1], ready[0]);
            this.control.write(authkey);
            this.control.flush();
            String line;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(readyIn, StandardCharsets.UTF_8))) {
                line = r.readLine();
            }
            if (line == null) {
                String status = child.waitFor(STOP_GRACE).map(Object::toString).orElse("still running");
                throw new IllegalStateException("the manager's server process " + child.pid()
                        + " ended before it was ready (" + status + "); see its stderr");
            }
            this.socket = Path.of(line);
            this.server = child;
        } catch (IOException e) {
            if (child != null) {
                child.kill(Signal.SIGKILL);
            }
            throw new UncheckedIOException("could not start the manager's server process", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            child.kill(Signal.SIGKILL);
            throw new IllegalStateException("interrupted while starting the manager", e);
        }
    }

    /** The unix socket the server listens on (CPython's {@code manager.address}). */
    public Path address() {
        return socket;
    }

    /** The server process's pid. */
    public int pid() {
        return server.pid();
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

    /** Python's {@code manager.Namespace()}. */
    public Namespace namespace() {
        return create(Namespace.class, "namespace");
    }

    /** Python's {@code manager.Value(typecode, value)}: the type is the value's. */
    public <T> ValueProxy<T> value(T initial) {
        return create(ValueProxy.class, "value", initial);
    }

    /** Python's {@code manager.Lock()}. */
    public AcquirerProxy lock() {
        return create(AcquirerProxy.class, "lock");
    }

    /**
     * Python's {@code manager.Queue(maxsize)} as a {@link BlockingQueue}: {@code put} blocks when full, {@code take}
     * is {@code get()}, {@code poll(timeout)} is {@code get(timeout=...)}, {@code offer}/{@code poll()} are the
     * {@code _nowait} forms.
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

    @SuppressWarnings("unchecked")
    private <T> T create(Class<?> face, String kind, Object... args) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the manager is shut down");
            }
        }
        return (T) RemoteObject.create(socket, authkey, face, kind, args);
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
        ManagerClient.closeAll(socket);
        try {
            control.close();
        } catch (IOException ignored) {
            // the server is gone already
        }
        try {
            if (server.waitFor(STOP_GRACE).isEmpty()) {
                server.kill(Signal.SIGKILL);
                server.waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.kill(Signal.SIGKILL);
        } catch (IllegalStateException | PosixException alreadyReaped) {
            // nothing left to stop
        }
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(socket.getParent());
        } catch (IOException ignored) {
            // removed by the server
        }
    }

    /** Python's {@code manager.shutdown()}: {@link #close()}. */
    public void shutdown() {
        close();
    }

    /**
     * Opens one authenticated connection to a manager and closes it again: CPython's
     * {@code multiprocessing.connection.Client(address, authkey=key)}, for checking a key.
     *
     * @throws AuthenticationException if the key is wrong
     */
    public static void checkAuthkey(Path address, byte[] authkey) throws IOException {
        ManagerClient.Conn c = ManagerClient.open(address, authkey, ProcessHandle.current().pid());
        ManagerClient.closeConnection(c);
    }

    private static void pipe(int[] fds) {
        if (Native.libc().pipe2(fds, O_CLOEXEC) != 0) {
            throw new PosixException("pipe2", Native.errno());
        }
    }

    private static void close(int... fds) {
        for (int fd : fds) {
            Native.libc().close(fd);
        }
    }
}
