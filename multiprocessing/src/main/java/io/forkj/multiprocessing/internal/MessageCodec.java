package io.forkj.multiprocessing.internal;

import io.forkj.multiprocessing.UnreadableMessageException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * The body of an object message: a one-byte type tag, then the value. {@code null}, {@code String} (UTF-8, when
 * it has no surrogate char, whose UTF-8 form could be lossy), boxed {@code Integer}/{@code Long}/{@code Double}/
 * {@code Boolean} and {@code byte[]} skip Java serialization; everything else is a Java serialization stream,
 * whose magic number 0xAC is its tag. Decoding a fast-path body never runs a constructor other than the value's
 * own, so those messages pass no filter; Java-serialized bodies are read through {@link MessageFilter}.
 *
 * <p>The encoded form starts with 4 bytes of room for the frame header, so the sender writes header and body
 * with one system call.
 */
public final class MessageCodec {
    static final byte NULL = 0;
    static final byte STRING = 1;
    static final byte INT = 2;
    static final byte LONG = 3;
    static final byte DOUBLE = 4;
    static final byte BOOLEAN = 5;
    static final byte BYTES = 6;
    static final byte SERIALIZED = (byte) 0xAC;
    /** Bytes reserved at the front of an encoded message for the frame header. */
    public static final int HEADER = 4;

    static {
        warmUp();
    }

    private MessageCodec() {
    }

    /** An encoded message: {@code bytes[HEADER..length)} is the body; the header bytes are for the caller. */
    public record Encoded(byte[] bytes, int length) {
        /** The body's size. */
        public int bodyLength() {
            return length - HEADER;
        }
    }

    /**
     * Encodes {@code value}.
     *
     * @throws IllegalArgumentException naming the class when the value (or something it holds) cannot be
     *                                  serialized; nothing has been sent then
     */
    public static Encoded encode(Object value) {
        if (value == null) {
            return tagOnly(NULL);
        }
        Class<?> type = value.getClass();
        if (type == String.class) {
            String s = (String) value;
            if (!hasSurrogate(s)) {
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                byte[] out = new byte[HEADER + 1 + utf8.length];
                out[HEADER] = STRING;
                System.arraycopy(utf8, 0, out, HEADER + 1, utf8.length);
                return new Encoded(out, out.length);
            }
        } else if (type == Integer.class) {
            byte[] out = new byte[HEADER + 5];
            out[HEADER] = INT;
            putInt(out, HEADER + 1, (Integer) value);
            return new Encoded(out, out.length);
        } else if (type == Long.class) {
            byte[] out = new byte[HEADER + 9];
            out[HEADER] = LONG;
            putLong(out, HEADER + 1, (Long) value);
            return new Encoded(out, out.length);
        } else if (type == Double.class) {
            byte[] out = new byte[HEADER + 9];
            out[HEADER] = DOUBLE;
            putLong(out, HEADER + 1, Double.doubleToRawLongBits((Double) value));
            return new Encoded(out, out.length);
        } else if (type == Boolean.class) {
            byte[] out = new byte[HEADER + 2];
            out[HEADER] = BOOLEAN;
            out[HEADER + 1] = (byte) ((Boolean) value ? 1 : 0);
            return new Encoded(out, out.length);
        } else if (type == byte[].class) {
            byte[] b = (byte[]) value;
            byte[] out = new byte[HEADER + 1 + b.length];
            out[HEADER] = BYTES;
            System.arraycopy(b, 0, out, HEADER + 1, b.length);
            return new Encoded(out, out.length);
        }
        return serialize(value);
    }

    private static Encoded serialize(Object value) {
        Frame frame = new Frame();
        try (ObjectOutputStream out = new ObjectOutputStream(frame)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot send a " + value.getClass().getName() + ": "
                    + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + " (everything a message holds must be Serializable; nothing was sent)", e);
        }
        return new Encoded(frame.array(), frame.size());
    }

    /**
     * Decodes a body received whole.
     *
     * @param filter the connection's own deserialization filter, or null
     * @throws UnreadableMessageException when the body is not a forkj message, names a class missing here, or
     *                                    is rejected by the filter
     */
    public static Object decode(byte[] body, int length, ObjectInputFilter filter) {
        if (length < 1) {
            throw corrupt("an empty message body (every forkj object message starts with a type tag)", length);
        }
        switch (body[0]) {
            case NULL:
                expect(length, 1, "null");
                return null;
            case STRING:
                return new String(body, 1, length - 1, StandardCharsets.UTF_8);
            case INT:
                expect(length, 5, "Integer");
                return getInt(body, 1);
            case LONG:
                expect(length, 9, "Long");
                return getLong(body, 1);
            case DOUBLE:
                expect(length, 9, "Double");
                return Double.longBitsToDouble(getLong(body, 1));
            case BOOLEAN:
                expect(length, 2, "Boolean");
                return body[1] != 0;
            case BYTES:
                return java.util.Arrays.copyOfRange(body, 1, length);
            case SERIALIZED:
                return deserialize(body, length, filter);
            default:
                throw corrupt("unknown type tag 0x" + Integer.toHexString(body[0] & 0xff)
                        + " (not a message sent with Connection.send)", length);
        }
    }

    private static Object deserialize(byte[] body, int length, ObjectInputFilter userFilter) {
        MessageFilter filter = new MessageFilter(length, userFilter);
        try (ObjectInputStream in = new MessageInput(new ByteArrayInputStream(body, 0, length))) {
            in.setObjectInputFilter(filter);
            return in.readObject();
        } catch (ClassNotFoundException e) {
            throw new UnreadableMessageException("a received message of " + length + " bytes holds an object of class "
                    + e.getMessage() + ", which is not on this process's class path", new IOException(e));
        } catch (InvalidClassException e) {
            if (filter.rejection() != null) {
                throw new UnreadableMessageException("a received message of " + length
                        + " bytes was rejected by the connection's deserialization filter: " + filter.rejection(), e);
            }
            throw new UnreadableMessageException("a received message of " + length + " bytes cannot be deserialized: "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new UnreadableMessageException("a received message of " + length
                    + " bytes is not a valid Java serialization stream: " + e, e);
        }
    }

    private static void expect(int length, int expected, String type) {
        if (length != expected) {
            throw corrupt("a " + type + " message must be " + expected + " bytes long", length);
        }
    }

    private static UnreadableMessageException corrupt(String what, int length) {
        return new UnreadableMessageException("corrupt message of " + length + " bytes: " + what,
                new java.io.StreamCorruptedException(what));
    }

    private static Encoded tagOnly(byte tag) {
        byte[] out = new byte[HEADER + 1];
        out[HEADER] = tag;
        return new Encoded(out, out.length);
    }

    private static boolean hasSurrogate(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Big-endian, as the frame header. */
    public static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    /** Big-endian, as the frame header. */
    public static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        putInt(b, at + 4, (int) v);
    }

    /** Big-endian, as the frame header's 8-byte form. */
    public static long getLong(byte[] b, int at) {
        return ((long) getInt(b, at)) << 32 | (getInt(b, at + 4) & 0xffffffffL);
    }

    /**
     * Runs every path once in the loading process, so that a FORK child that inherits a connection loads no class
     * and bootstraps nothing the first time it sends or receives (see posix-impl's {@code Fork}).
     */
    private static void warmUp() {
        List<Object> sample = new ArrayList<>();
        sample.add("warm");
        sample.add(1);
        sample.add(new HashMap<String, Object>());
        for (Object o : new Object[] {null, "s", 1, 2L, 3.0, true, new byte[1], sample, "\uD83D\uDE00"}) {
            Encoded e = encode(o);
            decode(java.util.Arrays.copyOfRange(e.bytes(), HEADER, e.length()), e.bodyLength(), null);
        }
    }

    /** An output stream whose array is handed out without a copy, with the header's room at the front. */
    private static final class Frame extends ByteArrayOutputStream {
        Frame() {
            super(256);
            count = HEADER;
        }

        byte[] array() {
            return buf;
        }
    }

    /** Resolves classes through the thread's context class loader first (frameworks, test runners). */
    private static final class MessageInput extends ObjectInputStream {
        MessageInput(ByteArrayInputStream in) throws IOException {
            super(in);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            if (context != null) {
                try {
                    return Class.forName(desc.getName(), false, context);
                } catch (ClassNotFoundException tryDefault) {
                    // fall through to the default: the latest user-defined loader on the stack
                }
            }
            return super.resolveClass(desc);
        }
    }
}
