package io.forkj.multiprocessing.internal;

import io.forkj.multiprocessing.internal.pool.Serial;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.StreamCorruptedException;
import java.util.Arrays;

/**
 * The frame a SPAWN or standby child receives: CPython's pickled process object. Layout (big-endian):
 * {@code int magic "FKJ1", int fdCount, int[fdCount] exported fd numbers, int length, byte[length]} Java
 * serialization of the process object. The child checks the magic and bounds the length before reading, and
 * deserializes under an {@link ObjectInputFilter} that limits bytes, depth, references and array sizes, so a
 * corrupt or hostile frame gives an exception, never an out-of-memory or a hang.
 */
public final class Payload {
    /** "FKJ1". */
    public static final int MAGIC = 0x464B4A31;
    /** The largest serialized process object accepted: 256 MiB. */
    public static final int MAX_LENGTH = 256 << 20;
    /** At most this many fds cross with one process object (the kernel's SCM_MAX_FD is 253). */
    public static final int MAX_FDS = 253;
    private static final int BODY_BUFFER = 8192;

    private final int[] fds;
    private final byte[] bytes;

    private Payload(int[] fds, byte[] bytes) {
        this.fds = fds;
        this.bytes = bytes;
    }

    /** The exported fds, in order. */
    public int[] fds() {
        return fds.clone();
    }

    /**
     * Serializes {@code process} for a child, collecting the fds forkj resources export ({@link FdExport}).
     *
     * @param what names the process in errors ("Process-1")
     * @throws IllegalArgumentException if something it references cannot be serialized: names the class
     */
    public static Payload of(Object process, String what) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
        try (FdExport scope = FdExport.open(); ObjectOutputStream out = new RefusingOutput(buffer)) {
            out.writeObject(process);
            out.flush();
            if (buffer.size() > MAX_LENGTH) {
                throw new IllegalArgumentException("cannot pass " + what + " to a child: it serializes to "
                        + buffer.size() + " bytes, more than the " + MAX_LENGTH + " a child accepts");
            }
            int[] fds = scope.fds();
            if (fds.length > MAX_FDS) {
                throw new IllegalArgumentException("cannot pass " + what + " to a child: it carries " + fds.length
                        + " fds, more than the " + MAX_FDS + " one message can pass");
            }
            return new Payload(fds, buffer.toByteArray());
        } catch (ThreadLock e) {
            throw new IllegalArgumentException("cannot pass " + what + " to a child process: " + e.getMessage()
                    + " is a thread lock, whose copy would lock nothing in the other process (Python: cannot pickle"
                    + " '_thread.lock' object); use a forkj multiprocessing lock", e);
        } catch (NotSerializableException e) {
            if (!Serial.isClassName(String.valueOf(e.getMessage()))) {
                throw new IllegalArgumentException("cannot pass " + what + " to a child process: " + e.getMessage(), e);
            }
            throw new IllegalArgumentException("cannot pass " + what + " to a child process: " + e.getMessage()
                    + " is not serializable (Python: cannot pickle '" + simpleName(e.getMessage()) + "' object); the"
                    + " target of " + what + " or its fields refer to it. Pass what it needs instead (a path, a"
                    + " value), or a forkj resource", e);
        } catch (InvalidClassException e) {
            throw new IllegalArgumentException("cannot pass " + what + " to a child process: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot pass " + what + " to a child process: serialization failed: " + e, e);
        }
    }

    /** The frame's header (magic, fds, length), written before {@link #body()}. */
    public byte[] header() {
        ByteArrayOutputStream b = new ByteArrayOutputStream(12 + 4 * fds.length);
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeInt(MAGIC);
            out.writeInt(fds.length);
            for (int fd : fds) {
                out.writeInt(fd);
            }
            out.writeInt(bytes.length);
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        return b.toByteArray();
    }

    /** The serialized process object. */
    public byte[] body() {
        return bytes;
    }

    /** Header and body in one array. */
    public byte[] frame() {
        byte[] h = header();
        byte[] all = Arrays.copyOf(h, h.length + bytes.length);
        System.arraycopy(bytes, 0, all, h.length, bytes.length);
        return all;
    }

    /** The fds and length of a frame read from {@code in}; the body follows. */
    public static final class Header {
        /** Exported fd numbers, in the order their copies were passed. */
        public final int[] fds;
        /** Body length, checked against {@link #MAX_LENGTH}. */
        public final int length;

        Header(int[] fds, int length) {
            this.fds = fds;
            this.length = length;
        }
    }

    /**
     * Reads and checks a frame header.
     *
     * @throws StreamCorruptedException for a wrong magic, fd count or length
     * @throws EOFException             if the stream ends first (the parent died or closed it)
     */
    public static Header readHeader(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic = data.readInt();
        if (magic != MAGIC) {
            throw new StreamCorruptedException("not a forkj process frame: magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x" + Integer.toHexString(MAGIC));
        }
        int count = data.readInt();
        if (count < 0 || count > MAX_FDS) {
            throw new StreamCorruptedException("forkj process frame with " + count + " fds, outside 0.." + MAX_FDS);
        }
        int[] fds = new int[count];
        for (int i = 0; i < count; i++) {
            fds[i] = data.readInt();
        }
        int length = data.readInt();
        if (length < 0 || length > MAX_LENGTH) {
            throw new StreamCorruptedException("forkj process frame of " + length + " bytes, outside 0.." + MAX_LENGTH);
        }
        return new Header(fds, length);
    }

    /**
     * Deserializes a body of {@code length} bytes from {@code in} under the filter; reads no further.
     *
     * @throws java.io.InvalidClassException if the filter rejects it or a class differs from the sender's
     * @throws ClassNotFoundException        if a class is not on this JVM's class path
     */
    public static Object readBody(InputStream in, int length) throws IOException, ClassNotFoundException {
        // Buffered: ObjectInputStream reads class descriptors a byte or two at a time, one read(2) each on the
        // child's socket or stdin (about 250 calls for an empty target, seen with strace). Bounded first, so the
        // buffer never takes a byte past the body.
        ObjectInputStream objects = new ObjectInputStream(new BufferedInputStream(new Bounded(in, length), BODY_BUFFER));
        objects.setObjectInputFilter(filter(length));
        return objects.readObject();
    }

    /** Limits for a process object of {@code length} bytes: nothing can make the reader allocate much more. */
    static ObjectInputFilter filter(int length) {
        return ObjectInputFilter.Config.createFilter("maxbytes=" + length + ";maxdepth=1000;maxrefs=" + Math.max(10_000, length)
                + ";maxarray=" + Math.max(10_000, length));
    }

    private static String simpleName(String className) {
        int dot = className == null ? -1 : className.lastIndexOf('.');
        return dot < 0 ? String.valueOf(className) : className.substring(dot + 1);
    }

    /**
     * Refuses {@code java.util.concurrent} locks, semaphores and latches, which Java would serialize but which
     * mean nothing in another process (a copy would be a new, unshared lock): Python refuses to pickle a
     * {@code threading.Lock} for the same reason.
     */
    private static final class RefusingOutput extends ObjectOutputStream {
        RefusingOutput(OutputStream out) throws IOException {
            super(out);
            enableReplaceObject(true);
        }

        @Override
        protected Object replaceObject(Object obj) throws IOException {
            if (obj != null) {
                String n = obj.getClass().getName();
                if (n.startsWith("java.util.concurrent.locks.") || n.equals("java.util.concurrent.Semaphore")
                        || n.equals("java.util.concurrent.CountDownLatch") || n.equals("java.util.concurrent.CyclicBarrier")
                        || n.equals("java.util.concurrent.Phaser")) {
                    throw new ThreadLock(n);
                }
            }
            return obj;
        }
    }

    /** A thread lock met while serializing; its message is the class name. */
    private static final class ThreadLock extends NotSerializableException {
        private static final long serialVersionUID = 1L;

        ThreadLock(String className) {
            super(className);
        }
    }

    /** At most {@code left} bytes of {@code in}; the serialization stream cannot read past its frame. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private int left;

        Bounded(InputStream in, int left) {
            this.in = in;
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
