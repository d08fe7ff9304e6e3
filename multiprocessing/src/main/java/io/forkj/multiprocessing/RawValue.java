package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.shm.SharedSegment;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;

/**
 * One C-typed value in shared memory, with no lock: Python's {@code multiprocessing.RawValue(typecode, value)}.
 * Type codes (Python's {@code array} module's, sizes as in C on Linux 64-bit): {@code 'b' 'B'} (signed/unsigned
 * char as a number), {@code 'c'} (a byte, Python's {@code c_char}), {@code 'h' 'H'} (short), {@code 'i' 'I'}
 * (int), {@code 'l' 'L' 'q' 'Q'} (8-byte long; unsigned ones hold 0..Long.MAX_VALUE here), {@code 'f'} (float),
 * {@code 'd'} (double), {@code 'u'} (a 4-byte {@code wchar_t} holding one code point).
 *
 * <p>Beyond Python: {@link #getAndAdd(long)}, {@link #incrementAndGet()}, {@link #compareAndSet(long, long)}
 * are atomic across processes without any lock (hardware atomics on the shared page). They wrap around in the
 * type's width, as C arithmetic and {@code AtomicInteger} do; {@link #set(Object)} instead rejects a value that
 * does not fit.
 */
public sealed class RawValue implements Serializable permits Value {
    @Serial
    private static final long serialVersionUID = 1L;

    final transient Cells cells;

    /**
     * Python's {@code RawValue(typecode, value)}.
     *
     * @param value a Number, a Character or one-character String for {@code 'u'}, a Byte for {@code 'c'}; null
     *              for zero
     * @throws IllegalArgumentException for an unknown type code or a value that does not fit the type
     */
    public RawValue(char typecode, Object value) {
        this(Cells.allocate(TypeCode.of(typecode), 1, "Value"), TypeCode.of(typecode));
        if (value != null) {
            try {
                cells.set(0, value);
            } catch (RuntimeException e) {
                cells.segment.close();
                throw e;
            }
        }
    }

    RawValue(SharedSegment segment, TypeCode type) {
        this.cells = new Cells(segment, type, 1);
    }

    /** The type code. */
    public char typecode() {
        return cells.type.code;
    }

    /**
     * Python's {@code .value}: an Integer for 'b' 'B' 'h' 'H' 'i', a Long for 'I' 'l' 'L' 'q' 'Q', a Float
     * or Double for 'f' 'd', a Byte for 'c', a one-code-point String for 'u'.
     */
    public Object get() {
        return cells.get(0);
    }

    /** The value as a long (floating types truncated). */
    public long getLong() {
        return cells.getLong(0);
    }

    /** The value as an int (for 'i' and smaller types). */
    public int getInt() {
        return (int) cells.getLong(0);
    }

    /** The value as a double. */
    public double getDouble() {
        return cells.getDouble(0);
    }

    /**
     * Python's {@code .value = value}.
     *
     * @throws IllegalArgumentException if it does not fit the type (Python's ctypes would silently truncate)
     */
    public void set(Object value) {
        cells.set(0, value);
    }

    /** Sets an integer (or a floating value for 'f' and 'd'), range-checked. */
    public void set(long value) {
        cells.setLong(0, value);
    }

    /** Sets a floating value ('f', 'd'; an integral value for integer types). */
    public void set(double value) {
        cells.setDouble(0, value);
    }

    /** Atomically adds {@code delta} (integer types) and returns the old value, with no lock. */
    public long getAndAdd(long delta) {
        return cells.getAndAdd(0, delta);
    }

    /** Atomically adds {@code delta} (integer types) and returns the new value, with no lock. */
    public long addAndGet(long delta) {
        return cells.getAndAdd(0, delta) + delta;
    }

    /** Atomically adds 1 and returns the new value, with no lock. */
    public long incrementAndGet() {
        return addAndGet(1);
    }

    /** Atomically adds {@code delta} ('f', 'd') and returns the old value, with no lock. */
    public double getAndAdd(double delta) {
        return cells.getAndAddDouble(0, delta);
    }

    /** Atomically sets {@code update} if the value is {@code expect} (integer types), with no lock. */
    public boolean compareAndSet(long expect, long update) {
        return cells.compareAndSet(0, expect, update);
    }

    /**
     * Unmaps it in this process only, once no thread of this process is inside a call on it: threads waiting on it
     * here wake and throw {@link IllegalStateException}, as every later call does.
     */
    public void close() {
        cells.segment.close();
    }

    @Serial
    Object writeReplace() throws ObjectStreamException {
        return Handle.of(Handle.Kind.RAW_VALUE, cells.segment, "RawValue", cells.type.code, 1, null, null);
    }

    @Override
    public String toString() {
        return "c_" + cells.type.code + "(" + get() + ")";
    }
}
