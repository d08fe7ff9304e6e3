package io.forkj.multiprocessing.internal.queue;

import io.forkj.multiprocessing.internal.CompactValues;
import io.forkj.multiprocessing.internal.pool.Serial;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;

/**
 * How queue items and pool chunks become bytes: a value in its {@link CompactValues} form (null, Integer, Long,
 * Double, Boolean, byte[] and a String with a UTF-8 form, in a few bytes with no serialization machinery), anything
 * else by Java serialization, read back through the size-bounding filter ({@link Serial}).
 */
public final class Items {
    private Items() {
    }

    /**
     * Puts {@code o} into {@code ring} without allocating when it is null, an Integer, Long, Double or Boolean
     * (so a FORK child can put them), else encoded.
     */
    public static boolean put(Ring ring, Object o, long timeoutNanos, boolean countTask) {
        if (o == null) {
            return ring.putSmall(CompactValues.NULL, 0, 0, timeoutNanos, countTask);
        }
        Class<?> type = o.getClass();
        if (type == Integer.class) {
            return ring.putSmall(CompactValues.INT, (Integer) o, 4, timeoutNanos, countTask);
        }
        if (type == Long.class) {
            return ring.putSmall(CompactValues.LONG, (Long) o, 8, timeoutNanos, countTask);
        }
        if (type == Double.class) {
            return ring.putSmall(CompactValues.DOUBLE, Double.doubleToRawLongBits((Double) o), 8, timeoutNanos,
                    countTask);
        }
        if (type == Boolean.class) {
            return ring.putSmall(CompactValues.BOOLEAN, (Boolean) o ? 1 : 0, 1, timeoutNanos, countTask);
        }
        return ring.put(encode(o), timeoutNanos, countTask);
    }

    /** One queue item as bytes: its compact form alone, or a Java serialization stream. */
    public static byte[] encode(Object o) {
        byte[] compact = CompactValues.encodeAlone(o, 0);
        if (compact != null) {
            return compact;
        }
        try {
            return Serial.toBytes(o);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("a queue item of " + o.getClass().getName() + " cannot be put: "
                    + Serial.why(e), e);
        }
    }

    /** Reads an item written by {@link #encode} or {@link #put}. */
    public static Object decode(byte[] b) {
        if (b.length > 0 && b[0] == CompactValues.SERIALIZED) {
            return Serial.read(b, "a queue item");
        }
        try {
            return CompactValues.readAlone(b, 0, b.length, null);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("a queue item of " + b.length + " bytes: " + e.getMessage()
                    + ": the ring is corrupt", e);
        } catch (CompactValues.UnreadableValue e) {
            throw new UncheckedIOException(new IOException("a queue item could not be read: " + e.getMessage(), e));
        }
    }

    /**
     * An array of task arguments or results: a sequence of compact values when every element has one (the
     * common case of numbers and strings: no serialization machinery at all), else the whole array by Java
     * serialization.
     *
     * @throws NotSerializableException naming the class that cannot be written
     */
    public static byte[] encodeArray(Object[] values) throws NotSerializableException {
        byte[] compact = CompactValues.encodeSequence(values);
        return compact != null ? compact : Serial.toBytes(values);
    }

    /** Reads an array written by {@link #encodeArray}; a corrupt one is an exception, never a huge allocation. */
    public static Object[] decodeArray(byte[] b) {
        if (b.length > 0 && b[0] == CompactValues.SERIALIZED) {
            return (Object[]) Serial.read(b, "an array of values");
        }
        try {
            return CompactValues.decodeSequence(b, null);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("an encoded array of " + b.length + " bytes: " + e.getMessage()
                    + ": corrupt", e);
        } catch (CompactValues.UnreadableValue e) {
            throw new UncheckedIOException(new IOException("an array of values could not be read: " + e.getMessage(),
                    e));
        }
    }
}
