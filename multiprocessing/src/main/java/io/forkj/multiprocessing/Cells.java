package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.shm.SharedSegment;
import io.forkj.multiprocessing.internal.shm.WarmUp;
import io.forkj.multiprocessing.internal.shm.Words;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The typed elements of a {@link RawValue} or {@link RawArray} in a shared segment: bounds and range checks,
 * plain access, and lock-free atomics (int and long words directly; bytes and shorts through a compare-and-set
 * of the aligned int that contains them; floats and doubles through a compare-and-set of their bits).
 */
final class Cells {
    private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    final SharedSegment segment;
    final ByteBuffer buffer;
    final TypeCode type;
    final int length;

    Cells(SharedSegment segment, TypeCode type, int length) {
        this.segment = segment;
        this.buffer = segment.buffer();
        this.type = type;
        this.length = length;
        WarmUp.ensure();
    }

    static SharedSegment allocate(TypeCode type, long length, String what) {
        if (length < 0) {
            throw new IllegalArgumentException(what + " size " + length + " must not be negative");
        }
        long bytes = Math.max(8, length * type.size);
        if (bytes > SharedSegment.MAX_SIZE) {
            throw new IllegalArgumentException(what + " of " + length + " '" + type.code + "' elements needs " + bytes
                    + " bytes, more than " + SharedSegment.MAX_SIZE);
        }
        return SharedSegment.create("forkj-" + what, bytes);
    }

    // ---- every use of the mapping from outside sits between the segment's enter and leave: a close() from another
    // thread then waits for it instead of unmapping under it

    private String what() {
        return length == 1 ? "Value" : "Array";
    }

    long getLong(int index) {
        segment.enter(what());
        try {
            return getLongHere(index);
        } finally {
            segment.leave();
        }
    }

    double getDouble(int index) {
        segment.enter(what());
        try {
            return getDoubleHere(index);
        } finally {
            segment.leave();
        }
    }

    Object get(int index) {
        segment.enter(what());
        try {
            return getHere(index);
        } finally {
            segment.leave();
        }
    }

    void setLong(int index, long value) {
        segment.enter(what());
        try {
            setLongHere(index, value);
        } finally {
            segment.leave();
        }
    }

    void setDouble(int index, double value) {
        segment.enter(what());
        try {
            setDoubleHere(index, value);
        } finally {
            segment.leave();
        }
    }

    void set(int index, Object value) {
        segment.enter(what());
        try {
            setHere(index, value);
        } finally {
            segment.leave();
        }
    }

    void fill(Object initializer) {
        segment.enter(what());
        try {
            fillHere(initializer);
        } finally {
            segment.leave();
        }
    }

    long getAndAdd(int index, long delta) {
        segment.enter(what());
        try {
            return getAndAddHere(index, delta);
        } finally {
            segment.leave();
        }
    }

    boolean compareAndSet(int index, long expect, long update) {
        segment.enter(what());
        try {
            return compareAndSetHere(index, expect, update);
        } finally {
            segment.leave();
        }
    }

    double getAndAddDouble(int index, double delta) {
        segment.enter(what());
        try {
            return getAndAddDoubleHere(index, delta);
        } finally {
            segment.leave();
        }
    }

    byte[] bytes(int count) {
        segment.enter(what());
        try {
            return bytesHere(count);
        } finally {
            segment.leave();
        }
    }

    private int offset(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("index " + index + " out of range for length " + length
                    + " (Python: IndexError)");
        }
        return index * type.size;
    }

    private long getLongHere(int index) {
        int at = offset(index);
        switch (type) {
            case BYTE:
            case CHAR:
                return buffer.get(at);
            case UNSIGNED_BYTE:
                return buffer.get(at) & 0xFF;
            case SHORT:
                return buffer.getShort(at);
            case UNSIGNED_SHORT:
                return buffer.getShort(at) & 0xFFFF;
            case INT:
            case WCHAR:
                return (int) Words.INT.getVolatile(buffer, at);
            case UNSIGNED_INT:
                return (int) Words.INT.getVolatile(buffer, at) & 0xFFFF_FFFFL;
            case FLOAT:
                return (long) Float.intBitsToFloat((int) Words.INT.getVolatile(buffer, at));
            case DOUBLE:
                return (long) Double.longBitsToDouble((long) Words.LONG.getVolatile(buffer, at));
            default:
                return (long) Words.LONG.getVolatile(buffer, at);
        }
    }

    private double getDoubleHere(int index) {
        if (type == TypeCode.FLOAT) {
            return Float.intBitsToFloat((int) Words.INT.getVolatile(buffer, offset(index)));
        }
        if (type == TypeCode.DOUBLE) {
            return Double.longBitsToDouble((long) Words.LONG.getVolatile(buffer, offset(index)));
        }
        return getLongHere(index);
    }

    private Object getHere(int index) {
        switch (type) {
            case FLOAT:
                return (float) getDoubleHere(index);
            case DOUBLE:
                return getDoubleHere(index);
            case CHAR:
                return (byte) getLongHere(index);
            case WCHAR:
                return new String(Character.toChars((int) getLongHere(index)));
            case BYTE:
            case UNSIGNED_BYTE:
            case SHORT:
            case UNSIGNED_SHORT:
            case INT:
                return (int) getLongHere(index);
            default:
                return getLongHere(index);
        }
    }

    private void setLongHere(int index, long value) {
        if (type.floating) {
            setDoubleHere(index, value);
            return;
        }
        if (value < type.min || value > type.max) {
            throw new IllegalArgumentException("value " + value + " does not fit type '" + type.code + "' (" + type.min
                    + ".." + type.max + ")");
        }
        int at = offset(index);
        switch (type.size) {
            case 1:
                buffer.put(at, (byte) value);
                break;
            case 2:
                buffer.putShort(at, (short) value);
                break;
            case 4:
                Words.INT.setVolatile(buffer, at, (int) value);
                break;
            default:
                Words.LONG.setVolatile(buffer, at, value);
        }
    }

    private void setDoubleHere(int index, double value) {
        if (type == TypeCode.FLOAT) {
            if (!Double.isNaN(value) && !Double.isInfinite(value) && Math.abs(value) > Float.MAX_VALUE) {
                throw new IllegalArgumentException("value " + value + " does not fit type 'f' (a C float)");
            }
            Words.INT.setVolatile(buffer, offset(index), Float.floatToRawIntBits((float) value));
        } else if (type == TypeCode.DOUBLE) {
            Words.LONG.setVolatile(buffer, offset(index), Double.doubleToRawLongBits(value));
        } else {
            if (value != Math.rint(value) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("value " + value + " does not fit integer type '" + type.code + "'");
            }
            setLongHere(index, (long) value);
        }
    }

    /** Sets from a Java value of a fitting kind: Number, Character or one-code-point String ('u'), Byte ('c'). */
    private void setHere(int index, Object value) {
        if (value instanceof Character) {
            setLongHere(index, (Character) value);
        } else if (value instanceof String && type == TypeCode.WCHAR) {
            String s = (String) value;
            if (s.codePointCount(0, s.length()) != 1) {
                throw new IllegalArgumentException("value \"" + s + "\" is not one character, as type 'u' needs");
            }
            setLongHere(index, s.codePointAt(0));
        } else if (value instanceof Double || value instanceof Float) {
            setDoubleHere(index, ((Number) value).doubleValue());
        } else if (value instanceof Number) {
            setLongHere(index, ((Number) value).longValue());
        } else {
            throw new IllegalArgumentException("value " + value + " (" + (value == null ? "null" : value.getClass()
                    .getSimpleName()) + ") cannot be stored in type '" + type.code + "'");
        }
    }

    private void fillHere(Object initializer) {
        if (initializer == null) {
            return;
        }
        if (initializer instanceof int[]) {
            int[] a = (int[]) initializer;
            checkLength(a.length);
            for (int i = 0; i < a.length; i++) {
                setLongHere(i, a[i]);
            }
        } else if (initializer instanceof long[]) {
            long[] a = (long[]) initializer;
            checkLength(a.length);
            for (int i = 0; i < a.length; i++) {
                setLongHere(i, a[i]);
            }
        } else if (initializer instanceof double[]) {
            double[] a = (double[]) initializer;
            checkLength(a.length);
            for (int i = 0; i < a.length; i++) {
                setDoubleHere(i, a[i]);
            }
        } else if (initializer instanceof byte[]) {
            byte[] a = (byte[]) initializer;
            checkLength(a.length);
            for (int i = 0; i < a.length; i++) {
                setLongHere(i, type == TypeCode.CHAR || type == TypeCode.BYTE ? a[i] : a[i] & 0xFF);
            }
        } else if (initializer instanceof String && type == TypeCode.WCHAR) {
            int[] points = ((String) initializer).codePoints().toArray();
            checkLength(points.length);
            for (int i = 0; i < points.length; i++) {
                setLongHere(i, points[i]);
            }
        } else if (initializer instanceof List) {
            List<?> list = (List<?>) initializer;
            checkLength(list.size());
            for (int i = 0; i < list.size(); i++) {
                setHere(i, list.get(i));
            }
        } else {
            throw new IllegalArgumentException("cannot initialize an array of type '" + type.code + "' from "
                    + initializer.getClass().getSimpleName());
        }
    }

    private void checkLength(int n) {
        if (n > length) {
            throw new IllegalArgumentException(n + " initial values do not fit " + length + " elements");
        }
    }

    static int lengthOf(Object initializer) {
        if (initializer instanceof Integer) {
            return (Integer) initializer;
        }
        if (initializer instanceof int[]) {
            return ((int[]) initializer).length;
        }
        if (initializer instanceof long[]) {
            return ((long[]) initializer).length;
        }
        if (initializer instanceof double[]) {
            return ((double[]) initializer).length;
        }
        if (initializer instanceof byte[]) {
            return ((byte[]) initializer).length;
        }
        if (initializer instanceof String) {
            return (int) ((String) initializer).codePoints().count();
        }
        if (initializer instanceof List) {
            return ((List<?>) initializer).size();
        }
        throw new IllegalArgumentException("an Array is made from a size (Integer) or int[], long[], double[], byte[],"
                + " String or List, not " + (initializer == null ? "null" : initializer.getClass().getSimpleName()));
    }

    // ---- atomics

    private void requireInteger(String operation) {
        if (!type.isInteger() && type != TypeCode.CHAR) {
            throw new UnsupportedOperationException(operation + " needs an integer type code, not '" + type.code
                    + "' (for 'f' and 'd' use the double form)");
        }
    }

    /** Atomic add; wraps around in the type's width, as C and Java's AtomicInteger do. Returns the old value. */
    private long getAndAddHere(int index, long delta) {
        requireInteger("getAndAdd");
        int at = offset(index);
        switch (type.size) {
            case 4:
                int oldInt = (int) Words.INT.getAndAdd(buffer, at, (int) delta);
                return type == TypeCode.UNSIGNED_INT ? oldInt & 0xFFFF_FFFFL : oldInt;
            case 8:
                return (long) Words.LONG.getAndAdd(buffer, at, delta);
            default:
                while (true) {
                    long old = getLongHere(index);
                    if (subWordCompareAndSet(at, old, old + delta)) {
                        return old;
                    }
                }
        }
    }

    private boolean compareAndSetHere(int index, long expect, long update) {
        requireInteger("compareAndSet");
        if (update < type.min || update > type.max) {
            throw new IllegalArgumentException("value " + update + " does not fit type '" + type.code + "' ("
                    + type.min + ".." + type.max + ")");
        }
        int at = offset(index);
        switch (type.size) {
            case 4:
                return (boolean) Words.INT.compareAndSet(buffer, at, (int) expect, (int) update);
            case 8:
                return (boolean) Words.LONG.compareAndSet(buffer, at, expect, update);
            default:
                return getLongHere(index) == expect && subWordCompareAndSet(at, expect, update);
        }
    }

    /** Compare-and-set of a byte or short through the aligned int that holds it. */
    private boolean subWordCompareAndSet(int at, long expect, long update) {
        int word = at & ~3;
        int shift = LITTLE ? (at & 3) * 8 : (4 - type.size - (at & 3)) * 8;
        int mask = (type.size == 1 ? 0xFF : 0xFFFF) << shift;
        while (true) {
            int current = (int) Words.INT.getVolatile(buffer, word);
            long seen = (current & mask) >>> shift;
            long expectBits = expect & (type.size == 1 ? 0xFF : 0xFFFF);
            if (seen != expectBits) {
                return false;
            }
            int next = (current & ~mask) | (((int) update << shift) & mask);
            if ((boolean) Words.INT.compareAndSet(buffer, word, current, next)) {
                return true;
            }
        }
    }

    private double getAndAddDoubleHere(int index, double delta) {
        int at = offset(index);
        if (type == TypeCode.DOUBLE) {
            while (true) {
                long bits = (long) Words.LONG.getVolatile(buffer, at);
                double next = Double.longBitsToDouble(bits) + delta;
                if ((boolean) Words.LONG.compareAndSet(buffer, at, bits, Double.doubleToRawLongBits(next))) {
                    return Double.longBitsToDouble(bits);
                }
            }
        }
        if (type == TypeCode.FLOAT) {
            while (true) {
                int bits = (int) Words.INT.getVolatile(buffer, at);
                float next = Float.intBitsToFloat(bits) + (float) delta;
                if ((boolean) Words.INT.compareAndSet(buffer, at, bits, Float.floatToRawIntBits(next))) {
                    return Float.intBitsToFloat(bits);
                }
            }
        }
        throw new UnsupportedOperationException("getAndAddHere(double) needs type code 'f' or 'd', not '" + type.code + "'");
    }

    private byte[] bytesHere(int count) {
        byte[] out = new byte[count * type.size];
        buffer.get(0, out);
        return out;
    }
}
