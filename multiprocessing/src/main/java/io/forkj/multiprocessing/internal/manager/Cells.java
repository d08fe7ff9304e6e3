package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.AcquirerProxy;
import io.forkj.multiprocessing.Namespace;
import io.forkj.multiprocessing.SerializableFunction;
import io.forkj.multiprocessing.ValueProxy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** The objects a manager's server holds for {@code Namespace}, {@code Value} and {@code Lock}. */
final class Cells {
    private Cells() {
    }

    static final class NamespaceCell implements Namespace {
        private final Map<String, Object> attributes = new LinkedHashMap<>();

        @Override
        public Object get(String name) {
            if (!attributes.containsKey(name)) {
                throw new NoSuchElementException("'Namespace' object has no attribute '" + name + "'");
            }
            return attributes.get(name);
        }

        @Override
        public void set(String name, Object value) {
            attributes.put(name, value);
        }

        @Override
        public boolean delete(String name) {
            boolean had = attributes.containsKey(name);
            attributes.remove(name);
            return had;
        }

        @Override
        public Map<String, Object> attributes() {
            return new LinkedHashMap<>(attributes);
        }

        @Override
        public String toString() {
            return "Namespace" + attributes;
        }
    }

    static final class ValueCell<T> implements ValueProxy<T> {
        private T value;

        ValueCell(T value) {
            this.value = value;
        }

        @Override
        public T get() {
            return value;
        }

        @Override
        public void set(T value) {
            this.value = value;
        }

        @Override
        public T update(SerializableFunction<T, T> function) {
            value = function.apply(value);
            return value;
        }

        @Override
        public String toString() {
            return "Value(" + value + ")";
        }
    }

    /** A lock whose holder is a server connection: released if that connection ends. */
    static final class LockCell implements AcquirerProxy {
        private final Semaphore permit = new Semaphore(1);
        private volatile Object holder;

        @Override
        public boolean acquire() {
            permit.acquireUninterruptibly();
            holder = ManagerServer.currentConnection();
            return true;
        }

        @Override
        public boolean acquire(boolean blocking) {
            if (blocking) {
                return acquire();
            }
            if (permit.tryAcquire()) {
                holder = ManagerServer.currentConnection();
                return true;
            }
            return false;
        }

        @Override
        public boolean acquire(long timeout, TimeUnit unit) {
            try {
                if (permit.tryAcquire(timeout, unit)) {
                    holder = ManagerServer.currentConnection();
                    return true;
                }
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        @Override
        public synchronized void release() {
            if (holder == null) {
                throw new IllegalStateException("release unlocked lock");
            }
            holder = null;
            permit.release();
        }

        synchronized void connectionEnded(Object connection) {
            if (holder != null && holder == connection) {
                holder = null;
                permit.release();
            }
        }

        @Override
        public String toString() {
            return holder == null ? "Lock(unlocked)" : "Lock(locked)";
        }
    }
}
