package io.forkj.multiprocessing.internal.queue;

import io.forkj.multiprocessing.internal.pool.Serial;

import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How queue items become bytes: null, Integer, Long, Double, Boolean, String and byte[] in a few bytes with no
 * serialization machinery (CPython's pickle also has compact opcodes for them), anything else by Java
 * serialization read back through the size-bounding filter.
 */
public final class Items {
    static final byte SERIALIZED = 0;
    static final byte NULL = 1;
    static final byte INT = 2;
    static final byte LONG = 3;
    static final byte STRING = 4;
    static final byte BYTES = 5;
    static final byte TRUE = 6;
    static final byte FALSE = 7;
    static final byte DOUBLE = 8;

    private Items() {
    }

    public static byte[] encode(Object o) {
        if (o == null) {
            return new byte[] {NULL};
        }
        if (o instanceof Integer) {
            int v = (Integer) o;
            return new byte[] {INT, (byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }
        if (o instanceof Long) {
            return withLong(LONG, (Long) o);
        }
        if (o instanceof Double) {
            return withLong(DOUBLE, Double.doubleToRawLongBits((Double) o));
        }
        if (o instanceof Boolean) {
            return new byte[] {(Boolean) o ? TRUE : FALSE};
        }
        if (o instanceof String) {
            byte[] utf8 = ((String) o).getBytes(StandardCharsets.UTF_8);
            byte[] b = new byte[utf8.length + 1];
            b[0] = STRING;
            System.arraycopy(utf8, 0, b, 1, utf8.length);
            return b;
        }
        if (o instanceof byte[]) {
            byte[] raw = (byte[]) o;
            byte[] b = new byte[raw.length + 1];
            b[0] = BYTES;
            System.arraycopy(raw, 0, b, 1, raw.length);
            return b;
        }
        byte[] ser;
        try {
            ser = Serial.toBytes(o);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("a queue item of " + o.getClass().getName() + " cannot be put: "
                    + e.getMessage() + " is not Serializable", e);
        }
        byte[] b = new byte[ser.length + 1];
        b[0] = SERIALIZED;
        System.arraycopy(ser, 0, b, 1, ser.length);
        return b;
    }

    public static Object decode(byte[] b) {
        switch (b[0]) {
            case NULL:
                return null;
            case INT:
                return ((b[1] & 0xff) << 24) | ((b[2] & 0xff) << 16) | ((b[3] & 0xff) << 8) | (b[4] & 0xff);
            case LONG:
                return readLong(b);
            case DOUBLE:
                return Double.longBitsToDouble(readLong(b));
            case TRUE:
                return Boolean.TRUE;
            case FALSE:
                return Boolean.FALSE;
            case STRING:
                return new String(b, 1, b.length - 1, StandardCharsets.UTF_8);
            case BYTES:
                return Arrays.copyOfRange(b, 1, b.length);
            case SERIALIZED:
                return Serial.read(Arrays.copyOfRange(b, 1, b.length), "a queue item");
            default:
                throw new IllegalStateException("queue item with unknown tag " + b[0] + ": the ring is corrupt");
        }
    }

    private static byte[] withLong(byte tag, long v) {
        byte[] b = new byte[9];
        b[0] = tag;
        for (int i = 0; i < 8; i++) {
            b[1 + i] = (byte) (v >>> (56 - 8 * i));
        }
        return b;
    }

    private static long readLong(byte[] b) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[1 + i] & 0xff);
        }
        return v;
    }
}
