package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.shm.SharedSegment;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A fixed-length array of one C type in shared memory, with no lock: Python's
 * {@code multiprocessing.RawArray(typecode, size_or_initializer)}. Type codes and the lock-free atomics: see
 * {@link RawValue}. Indexing is checked ({@link IndexOutOfBoundsException}, Python's {@code IndexError}); it
 * iterates like a Python sequence; a {@code 'c'} array has Python's {@code .value} (bytes up to the first NUL)
 * and {@code .raw} (all bytes), a {@code 'u'} array a string value.
 */
public sealed class RawArray implements Serializable, Iterable<Object> permits Array {
    @Serial
    private static final long serialVersionUID = 1L;

    final transient Cells cells;

    /**
     * Python's {@code RawArray(typecode, size_or_initializer)}.
     *
     * @param sizeOrInitializer an Integer size (zero-filled), or int[], long[], double[], byte[] ('c', 'b', 'B'),
     *                          a String ('u'), or a List of values
     * @throws IllegalArgumentException for an unknown type code, a negative size, or a value that does not fit
     */
    public RawArray(char typecode, Object sizeOrInitializer) {
        this(create(TypeCode.of(typecode), sizeOrInitializer), TypeCode.of(typecode),
                Cells.lengthOf(sizeOrInitializer));
        if (!(sizeOrInitializer instanceof Integer)) {
            try {
                cells.fill(sizeOrInitializer);
            } catch (RuntimeException e) {
                cells.segment.close();
                throw e;
            }
        }
    }

    private static SharedSegment create(TypeCode type, Object sizeOrInitializer) {
        return Cells.allocate(type, Cells.lengthOf(sizeOrInitializer), "Array");
    }

    RawArray(SharedSegment segment, TypeCode type, int length) {
        this.cells = new Cells(segment, type, length);
    }

    /** The type code. */
    public char typecode() {
        return cells.type.code;
    }

    /** Python's {@code len(a)}. */
    public int length() {
        return cells.length;
    }

    /** Python's {@code a[i]}: see {@link RawValue#get()} for the boxed type. */
    public Object get(int index) {
        return cells.get(index);
    }

    /** {@code a[i]} as a long. */
    public long getLong(int index) {
        return cells.getLong(index);
    }

    /** {@code a[i]} as an int. */
    public int getInt(int index) {
        return (int) cells.getLong(index);
    }

    /** {@code a[i]} as a double. */
    public double getDouble(int index) {
        return cells.getDouble(index);
    }

    /** Python's {@code a[i] = value}, range-checked. */
    public void set(int index, Object value) {
        cells.set(index, value);
    }

    /** {@code a[i] = value} for an integer (or floating type). */
    public void set(int index, long value) {
        cells.setLong(index, value);
    }

    /** {@code a[i] = value} for 'f' and 'd'. */
    public void set(int index, double value) {
        cells.setDouble(index, value);
    }

    /** Atomic {@code a[i] += delta} (integer types), returning the old value; no lock. */
    public long getAndAdd(int index, long delta) {
        return cells.getAndAdd(index, delta);
    }

    /** Atomic {@code a[i] += 1}, returning the new value; no lock. */
    public long incrementAndGet(int index) {
        return cells.getAndAdd(index, 1) + 1;
    }

    /** Atomic compare-and-set of {@code a[i]} (integer types); no lock. */
    public boolean compareAndSet(int index, long expect, long update) {
        return cells.compareAndSet(index, expect, update);
    }

    /** Python's {@code a[:]}: the elements, boxed as {@link #get(int)} boxes them. */
    public List<Object> toList() {
        List<Object> out = new ArrayList<>(cells.length);
        for (int i = 0; i < cells.length; i++) {
            out.add(cells.get(i));
        }
        return out;
    }

    /** The elements as longs. */
    public long[] toLongArray() {
        long[] out = new long[cells.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = cells.getLong(i);
        }
        return out;
    }

    @Override
    public Iterator<Object> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < cells.length;
            }

            @Override
            public Object next() {
                if (next >= cells.length) {
                    throw new NoSuchElementException("index " + next + " past length " + cells.length);
                }
                return cells.get(next++);
            }
        };
    }

    /** A 'c' array's {@code .value}: its bytes up to the first NUL. */
    public byte[] value() {
        requireCode('c', "value() as bytes");
        byte[] all = cells.bytes(cells.length);
        int end = 0;
        while (end < all.length && all[end] != 0) {
            end++;
        }
        return java.util.Arrays.copyOf(all, end);
    }

    /** A 'c' array's {@code .raw}: all its bytes. */
    public byte[] raw() {
        requireCode('c', "raw()");
        return cells.bytes(cells.length);
    }

    /** A 'c' array's {@code .value = bytes}: copies them and a NUL if there is room. */
    public void setValue(byte[] bytes) {
        requireCode('c', "setValue(bytes)");
        if (bytes.length > cells.length) {
            throw new IllegalArgumentException(bytes.length + " bytes do not fit a 'c' array of length " + cells.length
                    + " (Python: ValueError: byte string too long)");
        }
        for (int i = 0; i < bytes.length; i++) {
            cells.setLong(i, bytes[i]);
        }
        if (bytes.length < cells.length) {
            cells.setLong(bytes.length, 0);
        }
    }

    /** A 'u' array's {@code .value}: its characters up to the first NUL. */
    public String stringValue() {
        requireCode('u', "stringValue()");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            int point = (int) cells.getLong(i);
            if (point == 0) {
                break;
            }
            out.appendCodePoint(point);
        }
        return out.toString();
    }

    /** Python's repr of bytes, {@code b'Hello'}, for a 'c' array's value: what the seeds print. */
    public static String bytesRepr(byte[] bytes) {
        StringBuilder out = new StringBuilder("b'");
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c == '\\' || c == '\'') {
                out.append('\\').append((char) c);
            } else if (c >= 32 && c < 127) {
                out.append((char) c);
            } else {
                out.append(String.format("\\x%02x", c));
            }
        }
        return out.append('\'').toString();
    }

    private void requireCode(char code, String what) {
        if (cells.type.code != code) {
            throw new UnsupportedOperationException(what + " is for type code '" + code + "' arrays, not '"
                    + cells.type.code + "'");
        }
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
        return Handle.of(Handle.Kind.RAW_ARRAY, cells.segment, "RawArray", cells.type.code, cells.length, null, null);
    }

    @Override
    public String toString() {
        return "c_" + cells.type.code + "_Array_" + cells.length + toList();
    }

}
