package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.shm.SharedSegment;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.util.Objects;

/**
 * One C-typed value in shared memory with a lock: Python's {@code multiprocessing.Value(typecode, value,
 * lock=True)}. As in Python, {@link #get()} and {@link #set(Object)} each take the lock, so
 * {@code v.set(v.getInt() + 1)} is still two steps another process can come between (the seed's lost bank
 * balance); hold {@link #getLock()} around the whole update, or use the lock-free atomics this class inherits
 * ({@link #getAndAdd(long)}, {@link #incrementAndGet()}, {@link #compareAndSet(long, long)}), which Python lacks.
 * Type codes: see {@link RawValue}.
 */
public final class Value extends RawValue {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient SharedLock lock;

    /** Python's {@code Value(typecode, value)}: with a new {@link RLock}. */
    public Value(char typecode, Object value) {
        this(typecode, value, true);
    }

    /**
     * Python's {@code Value(typecode, value, lock=True|False)}; with false there is no lock and {@link #getLock()}
     * throws (Python returns a RawValue then).
     */
    public Value(char typecode, Object value, boolean lock) {
        super(typecode, value);
        this.lock = lock ? new RLock() : null;
    }

    /** Python's {@code Value(typecode, value, lock=lock)}: guarded by an existing lock. */
    public Value(char typecode, Object value, SharedLock lock) {
        super(typecode, value);
        this.lock = Objects.requireNonNull(lock, "lock");
    }

    Value(SharedSegment segment, TypeCode type, SharedLock lock) {
        super(segment, type);
        this.lock = lock;
    }

    /**
     * Python's {@code get_lock()}.
     *
     * @throws IllegalStateException if made with {@code lock=false}
     */
    public SharedLock getLock() {
        if (lock == null) {
            throw new IllegalStateException("this Value was made with lock=false: it has no lock");
        }
        return lock;
    }

    @Override
    public Object get() {
        if (lock == null) {
            return super.get();
        }
        try (SharedLock.Held held = lock.hold()) {
            return super.get();
        }
    }

    @Override
    public long getLong() {
        if (lock == null) {
            return super.getLong();
        }
        try (SharedLock.Held held = lock.hold()) {
            return super.getLong();
        }
    }

    @Override
    public int getInt() {
        return (int) getLong();
    }

    @Override
    public double getDouble() {
        if (lock == null) {
            return super.getDouble();
        }
        try (SharedLock.Held held = lock.hold()) {
            return super.getDouble();
        }
    }

    @Override
    public void set(Object value) {
        if (lock == null) {
            super.set(value);
            return;
        }
        try (SharedLock.Held held = lock.hold()) {
            super.set(value);
        }
    }

    @Override
    public void set(long value) {
        if (lock == null) {
            super.set(value);
            return;
        }
        try (SharedLock.Held held = lock.hold()) {
            super.set(value);
        }
    }

    @Override
    public void set(double value) {
        if (lock == null) {
            super.set(value);
            return;
        }
        try (SharedLock.Held held = lock.hold()) {
            super.set(value);
        }
    }

    @Override
    Object writeReplace() throws ObjectStreamException {
        return Handle.of(Handle.Kind.VALUE, cells.segment, "Value", cells.type.code, 1, (java.io.Serializable) lock,
                null);
    }

    @Override
    public String toString() {
        return "<Synchronized wrapper for " + super.toString() + ">";
    }
}
