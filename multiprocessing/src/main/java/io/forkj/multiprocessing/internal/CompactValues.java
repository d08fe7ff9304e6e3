package io.forkj.multiprocessing.internal;

import java.io.ObjectInputFilter;
import java.nio.charset.StandardCharsets;

/**
 * The one compact form of the values that skip Java serialization between processes: {@code null}, boxed
 * {@code Integer}, {@code Long}, {@code Double} and {@code Boolean}, {@code byte[]}, a {@code String} that has a
 * UTF-8 form (one with a lone surrogate has none: it would arrive with '?' in its place, so it is serialized),
 * and a serializable record whose components are such values or such records ({@link CompactRecords}). CPython's
 * pickle has compact opcodes for the same values. Queue items, connection messages, manager arguments and pool
 * chunks all use it.
 *
 * <p>A value is a tag byte and its payload, big-endian. Alone (a queue record, a message body) a string's or a
 * byte array's payload runs to the end of the record; in a sequence (a pool chunk, a record's components) it is
 * preceded by its length as 4 bytes. Anything else is a Java serialization stream, whose first byte, 0xAC, is its
 * tag ({@link #SERIALIZED}): no byte is added in front of it.
 */
public final class CompactValues {
    /** {@code null}, no payload. */
    public static final byte NULL = 0;
    /** A String's UTF-8 bytes. */
    public static final byte STRING = 1;
    /** An Integer, 4 bytes. */
    public static final byte INT = 2;
    /** A Long, 8 bytes. */
    public static final byte LONG = 3;
    /** A Double's raw bits, 8 bytes. */
    public static final byte DOUBLE = 4;
    /** A Boolean, 1 byte: 0 or 1. */
    public static final byte BOOLEAN = 5;
    /** A byte[]'s bytes. */
    public static final byte BYTES = 6;
    /** A record: its shape (2-byte length, "Class(component,...)"), then its components in sequence form. */
    public static final byte RECORD = 7;
    /** The first byte of a Java serialization stream (its magic number 0xACED). */
    public static final byte SERIALIZED = (byte) 0xAC;

    private static final byte SEQUENCE = 'A';

    private CompactValues() {
    }

    /**
     * {@code value}'s compact form alone, after {@code headroom} bytes left for the caller, in an exactly sized
     * array; null when it has none (the caller serializes it).
     */
    public static byte[] encodeAlone(Object value, int headroom) {
        int leaf = sizeOfLeaf(value);
        if (leaf >= 0) {
            byte[] b = new byte[headroom + leaf];
            writeLeaf(value, b, headroom, false);
            return b;
        }
        if (value.getClass().isRecord()) {
            CompactRecords.Image image = CompactRecords.image(value);
            if (image != null) {
                byte[] b = new byte[headroom + image.size];
                CompactRecords.write(image, b, headroom);
                return b;
            }
        }
        return null;
    }

    /**
     * A value could not be made from its compact form although the bytes are intact: its record class is missing
     * here, was rejected by the deserialization filter, has other component types, or its constructor refused the
     * values. The message continues "a message ... could not be read: " + this message.
     */
    public static final class UnreadableValue extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnreadableValue(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Reads a value written alone in {@code b[at..end)}.
     *
     * @param filter the connection's own deserialization filter, or null; a record's class passes
     *               {@link MessageFilter} with it, as a serialized object's would
     * @throws IllegalStateException naming what is wrong when the bytes are not a compact value (a serialized one
     *                               included: its reader is the caller's)
     * @throws UnreadableValue       when the bytes are intact but a record cannot be made here
     */
    public static Object readAlone(byte[] b, int at, int end, ObjectInputFilter filter) {
        if (end <= at) {
            throw new IllegalStateException("an empty value (a compact value starts with a type tag)");
        }
        byte tag = b[at];
        if (tag == STRING) {
            return new String(b, at + 1, end - at - 1, StandardCharsets.UTF_8);
        }
        if (tag == BYTES) {
            return java.util.Arrays.copyOfRange(b, at + 1, end);
        }
        // Every other value is written alone as it is in a sequence.
        Reader reader = new Reader(b, at, end, filter);
        Object value = reader.next(0);
        if (reader.at != end) {
            throw new IllegalStateException("a value of " + (end - at) + " bytes has " + (end - reader.at)
                    + " bytes left over");
        }
        return value;
    }

    /**
     * A sequence of values in the compact form, in one exactly sized array, or null when one of them has none
     * (the caller serializes the whole sequence then).
     */
    public static byte[] encodeSequence(Object[] values) {
        long size = 5;
        Object[] prepared = values;
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            int leaf = sizeOfLeaf(v);
            if (leaf >= 0) {
                size += leaf + (v instanceof String || v instanceof byte[] ? 4 : 0);
                continue;
            }
            CompactRecords.Image image = v.getClass().isRecord() ? CompactRecords.image(v) : null;
            if (image == null) {
                return null;
            }
            if (prepared == values) {
                prepared = values.clone(); // a record's components are read once, then sized and written
            }
            prepared[i] = image;
            size += image.size;
        }
        if (size > Integer.MAX_VALUE - 16) {
            return null;
        }
        byte[] b = new byte[(int) size];
        b[0] = SEQUENCE;
        putInt(b, 1, values.length);
        int at = 5;
        for (Object v : prepared) {
            at = v instanceof CompactRecords.Image image ? CompactRecords.write(image, b, at) : writeLeaf(v, b, at, true);
        }
        return b;
    }

    /** Whether {@code b} holds a sequence written by {@link #encodeSequence}. */
    public static boolean isSequence(byte[] b) {
        return b.length >= 5 && b[0] == SEQUENCE;
    }

    /**
     * Reads a sequence written by {@link #encodeSequence}; a corrupt one is an {@link IllegalStateException},
     * never a huge allocation (every value takes at least one byte).
     *
     * @param filter as for {@link #readAlone}
     * @throws UnreadableValue when the bytes are intact but a record cannot be made here
     */
    public static Object[] decodeSequence(byte[] b, ObjectInputFilter filter) {
        if (!isSequence(b)) {
            throw new IllegalStateException("not a sequence of compact values");
        }
        int n = getInt(b, 1);
        if (n < 0 || n > b.length - 5) {
            throw new IllegalStateException("a sequence of " + n + " values in " + b.length + " bytes");
        }
        Object[] values = new Object[n];
        Reader reader = new Reader(b, 5, b.length, filter);
        for (int i = 0; i < n; i++) {
            if (reader.at >= b.length) {
                throw new IllegalStateException("a sequence of " + n + " values ends after " + i);
            }
            values[i] = reader.next(0);
        }
        if (reader.at != b.length) {
            throw new IllegalStateException("a sequence of " + n + " values has " + (b.length - reader.at)
                    + " bytes left over");
        }
        return values;
    }

    /** Reads values in sequence form from {@code bytes[at..end)}; records are checked against the filter. */
    static final class Reader {
        final byte[] bytes;
        final int end;
        int at;
        private final int start;
        private final ObjectInputFilter userFilter;
        private MessageFilter filter;
        private long references;

        Reader(byte[] bytes, int at, int end, ObjectInputFilter userFilter) {
            this.bytes = bytes;
            this.at = at;
            this.start = at;
            this.end = end;
            this.userFilter = userFilter;
        }

        /** The value at {@link #at}, which moves past it. */
        Object next(int depth) {
            if (at >= end) {
                throw new IllegalStateException("a value is missing at byte " + at);
            }
            byte[] b = bytes;
            byte tag = b[at];
            if (tag == RECORD) {
                return CompactRecords.read(this, depth);
            }
            if (tag == STRING || tag == BYTES) {
                if (at + 5 > end) {
                    throw new IllegalStateException("a value at byte " + at + " has no length");
                }
                int length = getInt(b, at + 1);
                if (length < 0 || length > end - at - 5) {
                    throw new IllegalStateException("a value at byte " + at + " claims " + length + " bytes");
                }
                int from = at + 5;
                at = from + length;
                return tag == STRING ? new String(b, from, length, StandardCharsets.UTF_8)
                        : java.util.Arrays.copyOfRange(b, from, from + length);
            }
            int payload = tag == INT ? 4 : tag == LONG || tag == DOUBLE ? 8 : tag == BOOLEAN ? 1 : 0;
            if (at + 1 + payload > end) {
                throw new IllegalStateException("a value at byte " + at + " is cut short");
            }
            Object v;
            switch (tag) {
                case NULL:
                    v = null;
                    break;
                case INT:
                    v = getInt(b, at + 1);
                    break;
                case LONG:
                    v = getLong(b, at + 1);
                    break;
                case DOUBLE:
                    v = Double.longBitsToDouble(getLong(b, at + 1));
                    break;
                case BOOLEAN:
                    v = bool(b[at + 1]);
                    break;
                default:
                    throw new IllegalStateException("a value at byte " + at + " has the unknown type tag 0x"
                            + Integer.toHexString(tag & 0xff));
            }
            at += 1 + payload;
            return v;
        }

        /** Passes a record's class through the deserialization filter, as a stream's class descriptor would. */
        void check(Class<?> type, int depth) {
            if (filter == null) {
                filter = new MessageFilter(end - start, userFilter);
            }
            references++;
            if (filter.checkInput(new CompactRecords.Info(type, depth + 1, references, end - start))
                    == ObjectInputFilter.Status.REJECTED) {
                throw new UnreadableValue("it was rejected by the " + (userFilter != null ? "connection's " : "")
                        + "deserialization filter: " + filter.rejection(), null);
            }
        }
    }

    /** The size of a value other than a record alone, tag included, or -1 when it has no compact form. */
    static int sizeOfLeaf(Object value) {
        if (value == null) {
            return 1;
        }
        Class<?> type = value.getClass();
        if (type == Integer.class) {
            return 5;
        }
        if (type == Long.class || type == Double.class) {
            return 9;
        }
        if (type == Boolean.class) {
            return 2;
        }
        if (type == String.class) {
            int utf8 = utf8Length((String) value);
            return utf8 < 0 ? -1 : 1 + utf8;
        }
        if (type == byte[].class) {
            return 1 + ((byte[]) value).length;
        }
        return -1;
    }

    /** Writes a value {@link #sizeOfLeaf} sized at {@code at}; returns the end. */
    static int writeLeaf(Object value, byte[] b, int at, boolean inSequence) {
        if (value == null) {
            b[at] = NULL;
            return at + 1;
        }
        Class<?> type = value.getClass();
        if (type == Integer.class) {
            b[at] = INT;
            putInt(b, at + 1, (Integer) value);
            return at + 5;
        }
        if (type == Long.class) {
            b[at] = LONG;
            putLong(b, at + 1, (Long) value);
            return at + 9;
        }
        if (type == Double.class) {
            b[at] = DOUBLE;
            putLong(b, at + 1, Double.doubleToRawLongBits((Double) value));
            return at + 9;
        }
        if (type == Boolean.class) {
            b[at] = BOOLEAN;
            b[at + 1] = (byte) ((Boolean) value ? 1 : 0);
            return at + 2;
        }
        if (type == String.class) {
            String s = (String) value;
            b[at] = STRING;
            int start = at + 1 + (inSequence ? 4 : 0);
            int end = putUtf8(s, b, start);
            if (inSequence) {
                putInt(b, at + 1, end - start);
            }
            return end;
        }
        byte[] raw = (byte[]) value;
        b[at] = BYTES;
        int start = at + 1;
        if (inSequence) {
            putInt(b, start, raw.length);
            start += 4;
        }
        System.arraycopy(raw, 0, b, start, raw.length);
        return start + raw.length;
    }

    /** The length of {@code s} in UTF-8, or -1 when it holds a lone surrogate (no UTF-8 form). */
    static int utf8Length(String s) {
        int n = s.length();
        long bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 2; // two chars, four bytes
                i++;
            } else if (Character.isSurrogate(c)) {
                return -1;
            } else {
                bytes += 2;
            }
        }
        return bytes > Integer.MAX_VALUE - 16 ? -1 : (int) bytes;
    }

    /** Writes {@code s} as UTF-8 (it has a UTF-8 form: {@link #utf8Length} was not -1); returns the end. */
    private static int putUtf8(String s, byte[] b, int at) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[at++] = (byte) c;
            } else if (c < 0x800) {
                b[at++] = (byte) (0xC0 | (c >> 6));
                b[at++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c)) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[at++] = (byte) (0xF0 | (cp >> 18));
                b[at++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                b[at++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                b[at++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                b[at++] = (byte) (0xE0 | (c >> 12));
                b[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[at++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return at;
    }

    private static Boolean bool(byte b) {
        if (b != 0 && b != 1) {
            throw new IllegalStateException("a Boolean of value " + b + " (0 or 1)");
        }
        return b == 1;
    }

    /** Big-endian. */
    public static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    /** Big-endian. */
    public static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    /** Big-endian. */
    public static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        putInt(b, at + 4, (int) v);
    }

    /** Big-endian. */
    public static long getLong(byte[] b, int at) {
        return ((long) getInt(b, at)) << 32 | (getInt(b, at + 4) & 0xffffffffL);
    }
}
