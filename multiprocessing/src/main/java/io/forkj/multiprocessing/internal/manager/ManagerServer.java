package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.AcquirerProxy;
import io.forkj.multiprocessing.Namespace;
import io.forkj.multiprocessing.RemoteException;
import io.forkj.multiprocessing.ValueProxy;
import io.forkj.multiprocessing.internal.pool.Serial;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A manager's server (CPython's {@code multiprocessing.managers.Server}): holds shared objects and runs the method
 * calls that proxies send, one thread per connection, each connection authenticated first. Calls on a dict, list,
 * namespace or value run under that object's monitor, so each single call is atomic across processes; queues and
 * locks are thread-safe themselves (their blocking calls must not hold a monitor). Only methods of the object's
 * public interface can be called.
 */
public final class ManagerServer {
    private static final ThreadLocal<Object> CONNECTION = new ThreadLocal<>();
    private static final Set<Class<?>> CALLABLE = Set.of(Map.class, List.class, Collection.class, Iterable.class,
            Object.class, BlockingQueue.class, java.util.Queue.class, Namespace.class, ValueProxy.class,
            AcquirerProxy.class);

    private final byte[] authkey;
    private final ServerSocketChannel listener;
    private final Path socket;
    private final Map<Long, Object> objects = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();

    /** Listens on a unix socket at {@code socket}, accepting peers that know {@code authkey}. */
    public ManagerServer(Path socket, byte[] authkey) throws IOException {
        this.authkey = authkey.clone();
        this.socket = socket;
        this.listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
    }

    /** The address clients connect to. */
    public Path socket() {
        return socket;
    }

    /** The connection the current server thread serves (for locks). */
    static Object currentConnection() {
        return CONNECTION.get();
    }

    /** Accepts connections until the listener is closed; each is served on its own daemon thread. */
    public void serve() {
        while (listener.isOpen()) {
            SocketChannel peer;
            try {
                peer = listener.accept();
            } catch (IOException closed) {
                return;
            }
            connections.add(peer);
            Thread t = new Thread(() -> serveConnection(peer), "forkj-manager-conn");
            t.setDaemon(true);
            t.start();
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
        CONNECTION.set(peer);
        try (peer) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(peer), 1 << 14));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(peer), 1 << 14));
            try {
                Handshake.server(in, out, authkey);
            } catch (IOException rejected) {
                return;
            }
            while (true) {
                Object request;
                try {
                    request = Frames.readObject(in);
                } catch (IOException closed) {
                    return;
                }
                Messages.Reply reply = handle(request);
                byte[] bytes;
                try {
                    bytes = Serial.toBytes(reply);
                } catch (NotSerializableException e) {
                    bytes = Serial.toBytes(new Messages.Reply(false, reply.ok
                            ? new IllegalArgumentException("the manager's answer cannot be sent back: "
                            + e.getMessage() + " is not Serializable")
                            : RemoteException.of((Throwable) reply.value)));
                }
                Frames.write(out, bytes);
            }
        } catch (IOException gone) {
            // the peer went away
        } finally {
            connections.remove(peer);
            for (Object o : objects.values()) {
                if (o instanceof Cells.LockCell) {
                    ((Cells.LockCell) o).connectionEnded(peer);
                }
            }
        }
    }

    private Messages.Reply handle(Object request) {
        try {
            if (request instanceof Messages.Create) {
                Messages.Create c = (Messages.Create) request;
                long id = ids.incrementAndGet();
                objects.put(id, create(c.kind, c.args));
                return new Messages.Reply(true, id);
            }
            if (request instanceof Messages.Call) {
                return new Messages.Reply(true, call((Messages.Call) request));
            }
            throw new IllegalArgumentException("unknown manager request " + (request == null ? null : request.getClass()));
        } catch (InvocationTargetException e) {
            return new Messages.Reply(false, e.getCause());
        } catch (Throwable t) {
            return new Messages.Reply(false, t);
        }
    }

    private static Object create(String kind, Object[] args) {
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
                return new Cells.LockCell();
            case "queue": {
                int max = (Integer) args[0];
                return max <= 0 ? new LinkedBlockingQueue<>() : new LinkedBlockingQueue<>(max);
            }
            default:
                throw new IllegalArgumentException("a manager cannot create a '" + kind + "'");
        }
    }

    private Object call(Messages.Call call) throws Exception {
        Object target = objects.get(call.id);
        if (target == null) {
            throw new IllegalArgumentException("the manager holds no object " + call.id);
        }
        if ("snapshot".equals(call.method)) {
            synchronized (target) {
                if (target instanceof Map) {
                    return new LinkedHashMap<>((Map<?, ?>) target);
                }
                return new ArrayList<>((Collection<?>) target);
            }
        }
        Class<?> declaring = Class.forName(call.declaring, false, ManagerServer.class.getClassLoader());
        if (!CALLABLE.contains(declaring) || !declaring.isInstance(target)) {
            throw new IllegalArgumentException(call.declaring + "." + call.method + " cannot be called on a managed "
                    + target.getClass().getSimpleName());
        }
        Method m = declaring.getMethod(call.method, call.types);
        if (target instanceof BlockingQueue || target instanceof Cells.LockCell) {
            return m.invoke(target, call.args);
        }
        synchronized (target) {
            return m.invoke(target, call.args);
        }
    }
}
