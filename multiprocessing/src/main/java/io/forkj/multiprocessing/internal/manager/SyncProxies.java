package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.AcquirerProxy;
import io.forkj.multiprocessing.ConditionProxy;
import io.forkj.multiprocessing.SharedLock;
import io.forkj.multiprocessing.internal.Timeouts;
import io.forkj.multiprocessing.internal.manager.OwnedCells.Owner;
import io.forkj.multiprocessing.internal.manager.OwnedCells.OwnedCondition;
import io.forkj.multiprocessing.internal.manager.OwnedCells.OwnedSync;

import java.io.Serializable;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.concurrent.TimeUnit;

/**
 * The proxies of a manager's locks, semaphores and conditions: each call names the calling thread as the
 * {@link Owner} (see {@link OwnedCells}) and goes to the server through an ordinary manager proxy, which they
 * carry; passed to a child, that proxy reconnects from there.
 */
public final class SyncProxies {
    private SyncProxies() {
    }

    /** Creates a lock or semaphore of {@code kind} in the server. */
    public static AcquirerProxy acquirer(java.net.SocketAddress socket, byte[] authkey, String kind, Object... args) {
        return new Acquirer(RemoteObject.create(socket, authkey, OwnedSync.class, kind, args));
    }

    /** Creates a condition in the server, over {@code lock} (one of this manager's) or a new RLock if null. */
    public static ConditionProxy condition(java.net.SocketAddress socket, byte[] authkey, AcquirerProxy lock) {
        Object remoteLock = null;
        if (lock != null) {
            if (!(lock instanceof Acquirer) || lock instanceof Condition
                    || !RemoteObject.isProxyOf(((Acquirer) lock).remote, socket)) {
                throw new IllegalArgumentException("a condition's lock must be a lock() or rlock() of the same manager,"
                        + " not " + lock);
            }
            remoteLock = ((Acquirer) lock).remote;
        }
        return new Condition(RemoteObject.create(socket, authkey, OwnedCondition.class, "condition", remoteLock));
    }

    /** The ordinary manager proxy inside {@code o}, if it is one of these; else {@code o}. */
    static Object unwrap(Object o) {
        return o instanceof Acquirer ? ((Acquirer) o).remote : o;
    }

    /** Python's {@code AcquirerProxy}: a lock, an RLock or a semaphore. */
    private static class Acquirer implements AcquirerProxy, Serializable {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("serial") // a manager proxy, serializable (RemoteObject)
        final OwnedSync remote;
        /** Made with the proxy, so that a FORK child's {@link #hold()} spins no lambda class; null once read. */
        private transient SharedLock.Held held;

        Acquirer(OwnedSync remote) {
            this.remote = remote;
            this.held = this::release;
        }

        @Override
        public SharedLock.Held hold() {
            acquire();
            SharedLock.Held h = held;
            if (h == null) {
                h = this::release;
                held = h;
            }
            return h;
        }

        @Override
        public boolean acquire() {
            Owner me = Owner.current();
            return remote.acquire(me.pid(), me.startTime(), me.thread(), Timeouts.FOREVER);
        }

        @Override
        public boolean acquire(boolean blocking) {
            Owner me = Owner.current();
            return remote.acquire(me.pid(), me.startTime(), me.thread(), blocking ? Timeouts.FOREVER : 0);
        }

        @Override
        public boolean acquire(long timeout, TimeUnit unit) {
            if (timeout < 0) {
                throw new IllegalArgumentException("timeout " + timeout + " " + unit + " must not be negative"
                        + " (Python: ValueError)");
            }
            Owner me = Owner.current();
            return remote.acquire(me.pid(), me.startTime(), me.thread(),
                    timeout == 0 ? 0 : Math.max(1, unit.toNanos(timeout)));
        }

        @Override
        public void release() {
            Owner me = Owner.current();
            remote.release(me.pid(), me.startTime(), me.thread());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Acquirer && remote.equals(((Acquirer) o).remote);
        }

        @Override
        public int hashCode() {
            return remote.hashCode();
        }

        @Override
        public String toString() {
            return remote.toString();
        }
    }

    /** Python's {@code ConditionProxy}. */
    private static final class Condition extends Acquirer implements ConditionProxy {
        private static final long serialVersionUID = 1L;

        Condition(OwnedCondition remote) {
            super(remote);
        }

        private OwnedCondition condition() {
            return (OwnedCondition) remote;
        }

        @Override
        public boolean await(Duration timeout) throws InterruptedException {
            long nanos = Timeouts.nanos(true, timeout);
            Owner me = Owner.current();
            try {
                return condition().await(me.pid(), me.startTime(), me.thread(), nanos);
            } catch (RuntimeException e) {
                InterruptedException interrupted = ManagerClient.interruptedOr(e);
                if (ManagerClient.interruptedAfterSending(e)) {
                    // the server let the lock go for the wait: held again before the interrupt is thrown, as
                    // java.util.concurrent's await does
                    reclaim(me);
                }
                throw interrupted;
            }
        }

        /** Takes the lock back after an abandoned wait, however often this thread is interrupted meanwhile. */
        private void reclaim(Owner me) {
            while (true) {
                try {
                    condition().reclaim(me.pid(), me.startTime(), me.thread());
                    return;
                } catch (RuntimeException e) {
                    ManagerClient.interruptedOr(e);
                    // interrupted again: that reclaim, if the server had it, is abandoned and undone in turn
                }
            }
        }

        @Override
        public void await() throws InterruptedException {
            await(null);
        }

        @Override
        public boolean waitFor(BooleanSupplier predicate, Duration timeout) throws InterruptedException {
            long nanos = Timeouts.nanos(true, timeout);
            long deadline = System.nanoTime() + nanos;
            boolean result = predicate.getAsBoolean();
            while (!result) {
                if (nanos == Timeouts.FOREVER) {
                    await(null);
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    await(Duration.ofNanos(left));
                }
                result = predicate.getAsBoolean();
            }
            return result;
        }

        @Override
        public void signal(int n) {
            Owner me = Owner.current();
            condition().signal(me.pid(), me.startTime(), me.thread(), n);
        }

        @Override
        public void signal() {
            signal(1);
        }

        @Override
        public void signalAll() {
            signal(Integer.MAX_VALUE);
        }
    }
}
