package io.forkj.multiprocessing.internal.manager;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * The handler behind every manager proxy (CPython's {@code BaseProxy}/{@code AutoProxy}): forwards each interface
 * method to the server, where it runs atomically. It carries the server's address, the authkey and the object id,
 * so a proxy passed to a child process (serialized) reconnects from there. Methods that would hand out a live view
 * ({@code keySet}, {@code iterator}, {@code subList}, {@code stream}, ...) work on a snapshot copied in one call, as
 * CPython's proxies return copies; {@code equals}, {@code hashCode} and {@code toString} too.
 *
 * <p>Each handler holds one reference on its object for the process it lives in (see {@link ManagerClient}): taken
 * when it is created or read, given back when it is collected. Writing it starts the object's transit lease.
 */
public final class RemoteObject implements InvocationHandler, Serializable {
    private static final long serialVersionUID = 1L;
    private static final Set<String> SNAPSHOT = Set.of("keySet", "values", "entrySet", "iterator", "listIterator",
            "subList", "spliterator", "stream", "parallelStream", "toArray", "forEach", "equals", "hashCode",
            "toString", "containsAll");

    private final SocketAddress socket;
    private final byte[] authkey;
    private final long id;
    private final String kind;

    private RemoteObject(SocketAddress socket, byte[] authkey, long id, String kind) {
        this.socket = socket;
        this.authkey = authkey;
        this.id = id;
        this.kind = kind;
    }

    /** Marks manager proxies: serializable, so they can be passed to child processes. */
    public interface Managed extends Serializable {
    }

    /** Creates an object in the server and returns a proxy implementing {@code face}. */
    public static <T> T create(SocketAddress socket, byte[] authkey, Class<T> face, String kind, Object... args) {
        long id = ManagerClient.create(socket, authkey, kind, args);
        RemoteObject handler = new RemoteObject(socket, authkey, id, kind);
        ManagerClient.track(handler, socket, authkey, id);
        return face.cast(Proxy.newProxyInstance(RemoteObject.class.getClassLoader(), new Class<?>[] {face, Managed.class},
                handler));
    }

    /** The handler of a manager proxy (a lock's too), or null if {@code o} is not one. */
    private static RemoteObject handlerOf(Object o) {
        o = SyncProxies.unwrap(o);
        if (o == null || !Proxy.isProxyClass(o.getClass())) {
            return null;
        }
        InvocationHandler h = Proxy.getInvocationHandler(o);
        return h instanceof RemoteObject ? (RemoteObject) h : null;
    }

    /** A copy of the managed collection, made by its server. */
    private Object snapshot() {
        return ManagerClient.call(socket, authkey, id, Object.class, "snapshot", new Class<?>[0], null);
    }

    /** Whether {@code o} is a proxy of the manager listening at {@code socket}. */
    public static boolean isProxyOf(Object o, SocketAddress socket) {
        RemoteObject r = handlerOf(o);
        return r != null && r.socket.equals(socket);
    }

    /** Whether {@code o} is a proxy of the server listening at {@code served}, however its address is spelled. */
    static boolean isServedAt(Object o, SocketAddress served) {
        RemoteObject r = handlerOf(o);
        return r != null && ManagerAddress.sameServer(served, r.socket);
    }

    /**
     * The ids of the objects held by {@code proxy}'s manager and their reference counts (CPython's
     * {@code _debug_info()}); asks without taking a reference. For diagnostics and tests.
     */
    public static Map<Long, Integer> referenceCounts(Object proxy) {
        RemoteObject r = handlerOf(proxy);
        return ManagerClient.referenceCounts(r.socket, r.authkey);
    }

    /** The id of the object behind a manager proxy. */
    public static long idOf(Object proxy) {
        return handlerOf(proxy).id;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        ManagerClient.transit(socket, authkey, id);
        out.defaultWriteObject();
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        ManagerClient.hold(this, socket, authkey, id);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        boolean collection = "dict".equals(kind) || "list".equals(kind) || "array".equals(kind);
        if (collection && SNAPSHOT.contains(name)) {
            Object copy = snapshot();
            if ("equals".equals(name)) {
                RemoteObject other = handlerOf(args[0]);
                return copy.equals(other == null ? args[0] : other.snapshot());
            }
            if (copy instanceof Map && "keySet".equals(name)) {
                return Set.copyOf(((Map<?, ?>) copy).keySet());
            }
            return method.invoke(copy, args);
        }
        if ("toString".equals(name) && method.getParameterCount() == 0) {
            return kind + "-proxy#" + id + "@" + socket;
        }
        if ("hashCode".equals(name) && method.getParameterCount() == 0) {
            return Long.hashCode(id) ^ socket.hashCode();
        }
        if ("equals".equals(name) && method.getParameterCount() == 1) {
            RemoteObject other = handlerOf(args[0]);
            return other != null && other.id == id && other.socket.equals(socket);
        }
        try {
            return ManagerClient.call(socket, authkey, id, method.getDeclaringClass(), name,
                    method.getParameterTypes(), args);
        } catch (java.io.UncheckedIOException failed) {
            for (Class<?> declared : method.getExceptionTypes()) {
                if (declared == InterruptedException.class) {
                    throw ManagerClient.interruptedOr(failed);
                }
            }
            throw failed;
        } catch (CompletionException wrapped) {
            // A checked exception the server's method threw: as itself when the interface method declares it.
            Throwable cause = wrapped.getCause();
            for (Class<?> declared : method.getExceptionTypes()) {
                if (declared.isInstance(cause)) {
                    throw cause;
                }
            }
            throw wrapped;
        }
    }

}
