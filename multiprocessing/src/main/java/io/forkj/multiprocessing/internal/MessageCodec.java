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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * The body of an object message: a value in its {@link CompactValues} form alone ({@code null}, a String with a
 * UTF-8 form, boxed {@code Integer}/{@code Long}/{@code Double}/{@code Boolean}, {@code byte[]}, a serializable
 * record of those), else a Java serialization stream, whose magic number 0xAC is its tag. Decoding a compact leaf
 * builds nothing but the value, so it passes no filter; a compact record's class, and a Java-serialized body, are
 * read through {@link MessageFilter} with the connection's filter.
 *
 * <p>The encoded form starts with 4 bytes of room for the frame header, so the sender writes header and body
 * with one system call.
 */
public final class MessageCodec {
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
        byte[] out = CompactValues.encodeAlone(value, HEADER);
        return out != null ? new Encoded(out, out.length) : serialize(value);
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
        if (length >= 1 && body[0] == CompactValues.SERIALIZED) {
            return deserialize(body, length, filter);
        }
        try {
            return CompactValues.readAlone(body, 0, length, filter);
        } catch (IllegalStateException e) {
            throw corrupt(e.getMessage() + " (not a message sent with Connection.send)", length);
        } catch (CompactValues.UnreadableValue e) {
            throw new UnreadableMessageException("a received message of " + length + " bytes could not be read: "
                    + e.getMessage(), new IOException(e));
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

    private static UnreadableMessageException corrupt(String what, int length) {
        return new UnreadableMessageException("corrupt message of " + length + " bytes: " + what,
                new java.io.StreamCorruptedException(what));
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
        for (Object o : new Object[] {null, "s", 1, 2L, 3.0, true, new byte[1], sample, "\uD83D\uDE00",
                "\u00e9\u20ac", "\uD800"}) {
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
