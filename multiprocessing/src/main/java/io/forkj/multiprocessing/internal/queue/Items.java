package io.forkj.multiprocessing.internal.queue;

import io.forkj.multiprocessing.internal.pool.Serial;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.nio.ByteBuffer;
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

    /**
     * Puts {@code o} into {@code ring} without allocating when it is null, an Integer, Long, Double or Boolean
     * (so a FORK child can put them), else encoded.
     */
    public static boolean put(Ring ring, Object o, long timeoutNanos, boolean countTask) {
        if (o == null) {
            return ring.putSmall(NULL, 0, 0, timeoutNanos, countTask);
        }
        if (o instanceof Integer) {
            return ring.putSmall(INT, (Integer) o, 4, timeoutNanos, countTask);
        }
        if (o instanceof Long) {
            return ring.putSmall(LONG, (Long) o, 8, timeoutNanos, countTask);
        }
        if (o instanceof Double) {
            return ring.putSmall(DOUBLE, Double.doubleToRawLongBits((Double) o), 8, timeoutNanos, countTask);
        }
        if (o instanceof Boolean) {
            return ring.putSmall((Boolean) o ? TRUE : FALSE, 0, 0, timeoutNanos, countTask);
        }
        return ring.put(encode(o), timeoutNanos, countTask);
    }

    /** One queue item as bytes. */
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

    private static final byte COMPACT_ARRAY = 'A';
    private static final byte JAVA_ARRAY = 'J';

    /**
     * An array of task arguments or results: element by element in the compact form when every element has one
     * (the common case of numbers and strings: no serialization machinery at all), else Java serialization.
     *
     * @throws NotSerializableException naming the class that cannot be written
     */
    public static byte[] encodeArray(Object[] values) throws NotSerializableException {
        for (Object v : values) {
            if (!(v == null || v instanceof Integer || v instanceof Long || v instanceof Double || v instanceof Boolean
                    || v instanceof String || v instanceof byte[])) {
                byte[] ser = Serial.toBytes(values);
                byte[] b = new byte[ser.length + 1];
                b[0] = JAVA_ARRAY;
                System.arraycopy(ser, 0, b, 1, ser.length);
                return b;
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + values.length * 6);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte(COMPACT_ARRAY);
            out.writeInt(values.length);
            for (Object v : values) {
                if (v == null) {
                    out.writeByte(NULL);
                } else if (v instanceof Integer) {
                    out.writeByte(INT);
                    out.writeInt((Integer) v);
                } else if (v instanceof Long) {
                    out.writeByte(LONG);
                    out.writeLong((Long) v);
                } else if (v instanceof Double) {
                    out.writeByte(DOUBLE);
                    out.writeDouble((Double) v);
                } else if (v instanceof Boolean) {
                    out.writeByte((Boolean) v ? TRUE : FALSE);
                } else if (v instanceof String) {
                    byte[] utf8 = ((String) v).getBytes(StandardCharsets.UTF_8);
                    out.writeByte(STRING);
                    out.writeInt(utf8.length);
                    out.write(utf8);
                } else {
                    byte[] raw = (byte[]) v;
                    out.writeByte(BYTES);
                    out.writeInt(raw.length);
                    out.write(raw);
                }
            }
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return bytes.toByteArray();
    }

    /** Reads an array written by {@link #encodeArray}; a corrupt one is an exception, never a huge allocation. */
    public static Object[] decodeArray(byte[] b) {
        if (b.length > 0 && b[0] == JAVA_ARRAY) {
            return (Object[]) Serial.read(Arrays.copyOfRange(b, 1, b.length), "an array of values");
        }
        ByteBuffer in = ByteBuffer.wrap(b);
        if (b.length < 5 || in.get() != COMPACT_ARRAY) {
            throw new IllegalStateException("not an encoded array: corrupt");
        }
        int n = in.getInt();
        if (n < 0 || n > b.length) {
            throw new IllegalStateException("encoded array of " + n + " values in " + b.length + " bytes: corrupt");
        }
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            byte tag = in.get();
            switch (tag) {
                case NULL:
                    break;
                case INT:
                    values[i] = in.getInt();
                    break;
                case LONG:
                    values[i] = in.getLong();
                    break;
                case DOUBLE:
                    values[i] = in.getDouble();
                    break;
                case TRUE:
                    values[i] = Boolean.TRUE;
                    break;
                case FALSE:
                    values[i] = Boolean.FALSE;
                    break;
                case STRING:
                case BYTES: {
                    int len = in.getInt();
                    if (len < 0 || len > in.remaining()) {
                        throw new IllegalStateException("encoded value of " + len + " bytes: corrupt");
                    }
                    byte[] raw = new byte[len];
                    in.get(raw);
                    values[i] = tag == STRING ? new String(raw, StandardCharsets.UTF_8) : raw;
                    break;
                }
                default:
                    throw new IllegalStateException("encoded value with unknown tag " + tag + ": corrupt");
            }
        }
        return values;
    }

    /** Reads an item written by {@link #encode}. */
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
