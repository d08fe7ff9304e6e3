package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.shm.SharedSegment;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.util.Objects;

/**
 * A fixed-length C-typed array in shared memory with a lock: Python's
 * {@code multiprocessing.Array(typecode, size_or_initializer, lock=True)}. Element reads and writes each take
 * the lock, as in Python; hold {@link #getLock()} around a read-modify-write, or use the lock-free atomics. The
 * rest: see {@link RawArray}.
 */
public final class Array extends RawArray {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient SharedLock lock;

    /** Python's {@code Array(typecode, size_or_initializer)}: with a new {@link RLock}. */
    public Array(char typecode, Object sizeOrInitializer) {
        this(typecode, sizeOrInitializer, true);
    }

    /** Python's {@code Array(typecode, size_or_initializer, lock=True|False)}. */
    public Array(char typecode, Object sizeOrInitializer, boolean lock) {
        super(typecode, sizeOrInitializer);
        this.lock = lock ? new RLock() : null;
    }

    /** Python's {@code Array(typecode, size_or_initializer, lock=lock)}. */
    public Array(char typecode, Object sizeOrInitializer, SharedLock lock) {
        super(typecode, sizeOrInitializer);
        this.lock = Objects.requireNonNull(lock, "lock");
    }

    Array(SharedSegment segment, TypeCode type, int length, SharedLock lock) {
        super(segment, type, length);
        this.lock = lock;
    }

    /**
     * Python's {@code get_lock()}.
     *
     * @throws IllegalStateException if made with {@code lock=false}
     */
    public SharedLock getLock() {
        if (lock == null) {
            throw new IllegalStateException("this Array was made with lock=false: it has no lock");
        }
        return lock;
    }

    private SharedLock.Held enter() {
        return lock == null ? null : lock.hold();
    }

    @Override
    public Object get(int index) {
        SharedLock.Held held = enter();
        try {
            return super.get(index);
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    @Override
    public long getLong(int index) {
        SharedLock.Held held = enter();
        try {
            return super.getLong(index);
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    @Override
    public int getInt(int index) {
        return (int) getLong(index);
    }

    @Override
    public double getDouble(int index) {
        SharedLock.Held held = enter();
        try {
            return super.getDouble(index);
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    @Override
    public void set(int index, Object value) {
        SharedLock.Held held = enter();
        try {
            super.set(index, value);
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    @Override
    public void set(int index, long value) {
        SharedLock.Held held = enter();
        try {
            super.set(index, value);
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    @Override
    public void set(int index, double value) {
        SharedLock.Held held = enter();
        try {
            super.set(index, value);
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    @Override
    public byte[] value() {
        SharedLock.Held held = enter();
        try {
            return super.value();
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    @Override
    public void setValue(byte[] bytes) {
        SharedLock.Held held = enter();
        try {
            super.setValue(bytes);
        } finally {
            if (held != null) {
                held.close();
            }
        }
    }

    @Override
    Object writeReplace() throws ObjectStreamException {
        return Handle.of(Handle.Kind.ARRAY, cells.segment, "Array", cells.type.code, cells.length,
                (java.io.Serializable) lock, null);
    }

    @Override
    public String toString() {
        return "<SynchronizedArray wrapper for " + super.toString() + ">";
    }
}
