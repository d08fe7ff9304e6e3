package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.internal.pool.Serial;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** Length-prefixed frames on a manager connection (CPython's {@code Connection.send_bytes} framing). */
final class Frames {
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

    static void writeObject(DataOutputStream out, Object o) throws IOException {
        write(out, Serial.toBytes(o));
    }

    static Object readObject(DataInputStream in) throws IOException {
        try {
            return Serial.fromBytes(read(in, Serial.MAX_FRAME));
        } catch (ClassNotFoundException e) {
            throw new IOException("manager connection: class " + e.getMessage() + " is unknown here", e);
        }
    }
}
