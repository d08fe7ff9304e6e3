package io.forkj.multiprocessing.internal;

import java.nio.charset.StandardCharsets;

/**
 * The one compact form of the values that skip Java serialization between processes: {@code null}, boxed
 * {@code Integer}, {@code Long}, {@code Double} and {@code Boolean}, {@code byte[]}, and a {@code String} that
 * has a UTF-8 form (one with a lone surrogate has none: it would arrive with '?' in its place, so it is
 * serialized). CPython's pickle has compact opcodes for the same values. Queue items, connection messages,
 * manager arguments and pool chunks all use it.
 *
 * <p>A value is a tag byte and its payload, big-endian. Alone (a queue record, a message body) a string's or a
 * byte array's payload runs to the end of the record; in a sequence (a pool chunk) it is preceded by its length
 * as 4 bytes. Anything else is a Java serialization stream, whose first byte, 0xAC, is its tag
 * ({@link #SERIALIZED}): no byte is added in front of it.
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
    /** The first byte of a Java serialization stream (its magic number 0xACED). */
    public static final byte SERIALIZED = (byte) 0xAC;

    private static final byte SEQUENCE = 'A';

    private CompactValues() {
    }

    /** The size of {@code value}'s compact form alone, tag included, or -1 when it has none. */
    public static int sizeAlone(Object value) {
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

    /** Writes {@code value}'s compact form alone at {@code at}, which {@link #sizeAlone} said it has; returns the end. */
    public static int writeAlone(Object value, byte[] b, int at) {
        return write(value, b, at, false);
    }

    /**
     * Reads a value written alone in {@code b[at..end)}.
     *
     * @throws IllegalStateException naming what is wrong when the bytes are not a compact value (a serialized one
     *                               included: its reader is the caller's)
     */
    public static Object readAlone(byte[] b, int at, int end) {
        if (end <= at) {
            throw new IllegalStateException("an empty value (a compact value starts with a type tag)");
        }
        byte tag = b[at];
        int n = end - at - 1;
        switch (tag) {
            case NULL:
                expect(n, 0, "null");
                return null;
            case INT:
                expect(n, 4, "an Integer");
                return getInt(b, at + 1);
            case LONG:
                expect(n, 8, "a Long");
                return getLong(b, at + 1);
            case DOUBLE:
                expect(n, 8, "a Double");
                return Double.longBitsToDouble(getLong(b, at + 1));
            case BOOLEAN:
                expect(n, 1, "a Boolean");
                return bool(b[at + 1]);
            case STRING:
                return new String(b, at + 1, n, StandardCharsets.UTF_8);
            case BYTES:
                return java.util.Arrays.copyOfRange(b, at + 1, end);
            default:
                throw new IllegalStateException("unknown type tag 0x" + Integer.toHexString(tag & 0xff));
        }
    }

    /**
     * A sequence of values in the compact form, in one exactly sized array, or null when one of them has none
     * (the caller serializes the whole sequence then).
     */
    public static byte[] encodeSequence(Object[] values) {
        long size = 5;
        for (Object v : values) {
            int alone = sizeAlone(v);
            if (alone < 0) {
                return null;
            }
            size += alone + (v instanceof String || v instanceof byte[] ? 4 : 0);
        }
        if (size > Integer.MAX_VALUE - 16) {
            return null;
        }
        byte[] b = new byte[(int) size];
        b[0] = SEQUENCE;
        putInt(b, 1, values.length);
        int at = 5;
        for (Object v : values) {
            at = write(v, b, at, true);
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
     */
    public static Object[] decodeSequence(byte[] b) {
        if (!isSequence(b)) {
            throw new IllegalStateException("not a sequence of compact values");
        }
        int n = getInt(b, 1);
        if (n < 0 || n > b.length - 5) {
            throw new IllegalStateException("a sequence of " + n + " values in " + b.length + " bytes");
        }
        Object[] values = new Object[n];
        int at = 5;
        for (int i = 0; i < n; i++) {
            if (at >= b.length) {
                throw new IllegalStateException("a sequence of " + n + " values ends after " + i);
            }
            byte tag = b[at];
            int payload = tag == INT ? 4 : tag == LONG || tag == DOUBLE ? 8 : tag == BOOLEAN ? 1 : 0;
            if (at + 1 + payload > b.length) {
                throw new IllegalStateException("value " + i + " of a sequence is cut short");
            }
            switch (tag) {
                case NULL:
                    break;
                case INT:
                    values[i] = getInt(b, at + 1);
                    break;
                case LONG:
                    values[i] = getLong(b, at + 1);
                    break;
                case DOUBLE:
                    values[i] = Double.longBitsToDouble(getLong(b, at + 1));
                    break;
                case BOOLEAN:
                    values[i] = bool(b[at + 1]);
                    break;
                case STRING:
                case BYTES: {
                    if (at + 5 > b.length) {
                        throw new IllegalStateException("value " + i + " of a sequence has no length");
                    }
                    int length = getInt(b, at + 1);
                    if (length < 0 || length > b.length - at - 5) {
                        throw new IllegalStateException("value " + i + " of a sequence claims " + length + " bytes");
                    }
                    at += 5;
                    values[i] = tag == STRING ? new String(b, at, length, StandardCharsets.UTF_8)
                            : java.util.Arrays.copyOfRange(b, at, at + length);
                    at += length;
                    continue;
                }
                default:
                    throw new IllegalStateException("value " + i + " of a sequence has the unknown type tag 0x"
                            + Integer.toHexString(tag & 0xff));
            }
            at += 1 + payload;
        }
        if (at != b.length) {
            throw new IllegalStateException("a sequence of " + n + " values has " + (b.length - at) + " bytes left over");
        }
        return values;
    }

    private static int write(Object value, byte[] b, int at, boolean inSequence) {
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

    private static void expect(int payload, int expected, String what) {
        if (payload != expected) {
            throw new IllegalStateException(what + " takes " + expected + " bytes, not " + payload);
        }
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
