package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.internal.Handshake;
import io.forkj.multiprocessing.RemoteException;
import io.forkj.multiprocessing.UnreadableMessageException;
import io.forkj.multiprocessing.internal.MessageCodec;
import io.forkj.multiprocessing.internal.pool.Serial;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Length-prefixed frames on a manager connection (CPython's {@code Connection.send_bytes} framing), and what they
 * hold. A method call, the message sent most, is a compact frame whose arguments are {@link MessageCodec} bodies
 * (small values skip Java serialization; a fresh {@code ObjectOutputStream} and its class descriptors per call
 * cost most of a round trip); the other requests are Java serialization streams. Every answer is a
 * {@link MessageCodec} body followed by one byte: bit 0 set for a value, clear for an exception; bit 1 set when the
 * call took something the server gives back if the caller never reads the answer, which the caller then
 * acknowledges with an empty frame ({@link #ACK}).
 */
final class Frames {
    /** First byte of a method call frame; every other request starts with Java serialization's 0xAC. */
    static final byte CALL = 1;
    /**
     * First byte of the frame a client sends once, right after authenticating a connection: its process (pid and
     * start time), which the server charges what that connection's calls take from a joinable queue to. Not
     * answered.
     */
    static final byte HELLO = 2;
    /** An empty frame: the caller read the answer that asked for it (see the class comment). */
    static final byte[] ACK = new byte[0];
    private static final int VALUE = 1;
    private static final int ACK_WANTED = 2;

    private Frames() {
    }

    static void write(DataOutputStream out, byte[] frame) throws IOException {
        out.writeInt(frame.length);
        out.write(frame);
        out.flush();
    }

    /**
     * Reads a frame of at most {@code max} bytes; a longer announced length is refused before anything is
     * allocated (an unauthenticated peer gets 256 bytes).
     */
    static byte[] read(DataInputStream in, int max) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new IOException("manager connection: frame of " + n + " bytes is outside 0.." + max);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** The handshake's frames over a manager connection's streams. */
    static Handshake.Channel channel(DataInputStream in, DataOutputStream out) {
        return new Handshake.Channel() {
            @Override
            public void send(byte[] frame) throws IOException {
                write(out, frame);
            }

            @Override
            public byte[] receive(int max) throws IOException {
                return read(in, max);
            }
        };
    }

    /** The {@link #HELLO} frame of process {@code pid} started at {@code startTime}. */
    static byte[] hello(int pid, long startTime) {
        return ByteBuffer.allocate(13).put(HELLO).putInt(pid).putLong(startTime).array();
    }

    /** The process a {@link #HELLO} frame names. */
    static OwnedCells.Owner readHello(byte[] frame) throws IOException {
        if (frame.length != 13) {
            throw new IOException("manager connection: a hello of " + frame.length + " bytes, not 13");
        }
        ByteBuffer b = ByteBuffer.wrap(frame, 1, 12);
        return new OwnedCells.Owner(b.getInt(), b.getLong(), 0);
    }

    /** A request other than a call: a Java serialization stream. */
    static Object readObject(byte[] frame) throws IOException {
        try {
            return Serial.fromBytes(frame);
        } catch (ClassNotFoundException e) {
            throw new IOException("manager connection: class " + e.getMessage() + " is unknown here", e);
        }
    }

    /**
     * A call of {@code declaring.method(types)} on object {@code id}.
     *
     * @throws IllegalArgumentException naming the class when an argument cannot be serialized
     */
    static byte[] call(long id, String declaring, String method, Class<?>[] types, Object[] args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte(CALL);
            out.writeLong(id);
            out.writeUTF(declaring);
            out.writeUTF(method);
            out.writeByte(types.length);
            for (Class<?> t : types) {
                out.writeUTF(t.getName());
            }
            out.writeByte(args.length);
            for (Object a : args) {
                MessageCodec.Encoded e = MessageCodec.encode(a);
                out.writeInt(e.bodyLength());
                out.write(e.bytes(), MessageCodec.HEADER, e.bodyLength());
            }
        } catch (IOException inMemory) {
            throw new UncheckedIOException(inMemory);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a call frame (its first byte is {@link #CALL}).
     *
     * @throws IOException if the frame is cut short or malformed
     * @throws UnreadableMessageException if an argument cannot be deserialized here
     */
    static Messages.Call readCall(byte[] frame) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(frame, 1, frame.length - 1));
        long id = in.readLong();
        String declaring = in.readUTF();
        String method = in.readUTF();
        String[] types = new String[in.readUnsignedByte()];
        for (int i = 0; i < types.length; i++) {
            types[i] = in.readUTF();
        }
        Object[] args = new Object[in.readUnsignedByte()];
        for (int i = 0; i < args.length; i++) {
            int n = in.readInt();
            if (n < 1 || n > in.available()) {
                throw new IOException("manager call: argument " + i + " of " + n + " bytes in a frame of " + frame.length);
            }
            byte[] body = in.readNBytes(n);
            args[i] = MessageCodec.decode(body, n, null);
        }
        return new Messages.Call(id, declaring, method, types, args);
    }

    /**
     * Writes an answer. A value that cannot be serialized is answered by an {@link IllegalArgumentException} that
     * names it, an exception that cannot by a {@code RemoteException} carrying its text.
     */
    static void writeReply(DataOutputStream out, boolean ok, Object value, boolean ackWanted) throws IOException {
        MessageCodec.Encoded e;
        try {
            e = MessageCodec.encode(value);
        } catch (IllegalArgumentException notSerializable) {
            ok = false;
            e = MessageCodec.encode(value instanceof Throwable
                    ? RemoteException.of((Throwable) value)
                    : new IllegalArgumentException("the manager's answer cannot be sent back: "
                    + notSerializable.getMessage()));
        }
        out.writeInt(e.bodyLength() + 1);
        out.write(e.bytes(), MessageCodec.HEADER, e.bodyLength());
        out.writeByte((ok ? VALUE : 0) | (ackWanted ? ACK_WANTED : 0));
        out.flush();
    }

    /** Whether an answer frame asks its caller for an {@link #ACK}. */
    static boolean wantsAck(byte[] answer) {
        return answer.length > 0 && (answer[answer.length - 1] & ACK_WANTED) != 0;
    }

    /** An answer frame read whole: its value, or the exception the server threw. */
    static Messages.Reply readReply(byte[] frame) {
        if (frame.length < 2) {
            throw new UnreadableMessageException("a manager answer of " + frame.length
                    + " bytes is too short", new IOException("short answer"));
        }
        boolean ok = (frame[frame.length - 1] & VALUE) != 0;
        return new Messages.Reply(ok, MessageCodec.decode(frame, frame.length - 1, null));
    }
}
