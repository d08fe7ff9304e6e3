package io.forkj.multiprocessing;

import io.forkj.posix.internal.libc.PollFds;
import io.forkj.PosixException;
import io.forkj.multiprocessing.internal.CompactValues;
import io.forkj.multiprocessing.internal.FdExport;
import io.forkj.multiprocessing.internal.Release;
import io.forkj.multiprocessing.internal.FdIo;
import io.forkj.multiprocessing.internal.MessageCodec;

import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One end of a {@link Pipe}: Python's {@code multiprocessing.connection.Connection}. Sends and receives whole
 * messages over a file descriptor (a unix stream socket for a duplex pipe, one end of a kernel pipe otherwise).
 *
 * <p><b>Messages.</b> {@link #send(Object)}/{@link #recv()} move objects; {@link #sendBytes(byte[])}/
 * {@link #recvBytes()} move byte arrays. Each message is a frame as in CPython's {@code connection.py}: a 4-byte
 * big-endian signed length, then the body (an 8-byte length after a -1 for bodies over 2 GiB, accepted when
 * read, never needed when writing from Java). A message of bytes is its bytes; an object message is a type tag
 * and the value: {@code null}, {@code String} (one with a UTF-8 form), {@code Integer}, {@code Long},
 * {@code Double}, {@code Boolean}, {@code byte[]}, and a {@code Serializable} record of such values (or of such
 * records) are written directly, the record as its class and component names and its components, rebuilt through
 * its canonical constructor after the class passed the filter below; everything else is Java-serialized
 * ({@code ObjectOutputStream}), which plays pickle's part. A CPython peer can exchange {@code send_bytes}/{@code recv_bytes} messages with this
 * class, not pickled objects.
 *
 * <p><b>Limits.</b> A frame longer than {@link #maxMessageSize()} (default {@value #DEFAULT_MAX_MESSAGE_SIZE}
 * bytes, 512 MiB, or the system property {@code forkj.connection.maxMessageSize}) is refused before anything is
 * allocated: {@link ConnectionException}, and the connection is closed, since the rest of the stream can no
 * longer be framed (CPython closes it on {@code "bad message length"} too). The body's memory is allocated as
 * its bytes arrive (16 MiB at a time beyond the first 16 MiB), so a forged length never reserves memory that
 * was not sent.
 *
 * <p><b>Deserialization.</b> Java-serialized messages are read through an {@code ObjectInputFilter}: nesting
 * depth at most 1000, at most 10 million references, no array longer than its message could hold, the JVM-wide
 * filter ({@code -Djdk.serialFilter}) honoured, the connection's own filter ({@link #setObjectFilter}) next, then
 * a deny list of packages known as deserialization-exploit gadgets ({@code commons-collections} functors,
 * {@code xalan TemplatesImpl}, Groovy runtime, JNDI/RMI/JMX, ...); any other class on the class path is allowed,
 * because the peer is a process of the same program. A class missing here, a rejection or a corrupt body gives
 * {@link UnreadableMessageException}, naming the class or the rule; the message is consumed and the connection
 * stays usable.
 *
 * <p><b>Errors.</b> {@link #recv()} on a connection whose peer was closed by every holder (or whose process
 * died) throws {@link ConnectionEofException} (Python's {@code EOFError}); a peer gone mid-message gives
 * {@link ConnectionException} ("end of file during message"). {@link #send} to a peer closed everywhere throws
 * {@link ConnectionException} caused by EPIPE (Python's {@code BrokenPipeError}). Using a closed connection, or
 * sending on a receive-only end and vice versa, throws {@link IllegalStateException} (Python's {@code OSError}).
 *
 * <p><b>Threads.</b> Unlike CPython's, a connection is safe to share between threads of one process: sends are
 * serialized by one lock and receives by another, so frames never interleave and one thread may send while
 * another receives. Between processes there is no lock: two processes sending on the same end at once may
 * interleave their frames (as in CPython; a Queue adds a process-shared lock for this). {@link #close()} while
 * another thread is blocked in {@link #recv()} does not wake it (as in CPython); the fd is released once that
 * call returns. Blocking calls are not interruptible by {@link Thread#interrupt()}: use {@link #poll(Duration)}.
 *
 * <p><b>Child processes.</b> A FORK child inherits connections as they are. In a FORK child, send and receive
 * strings, boxed numbers, byte arrays, or objects of classes the parent has already sent or received (others
 * load classes, which may block a forked JVM), and do not use a connection that another of the parent's threads
 * was using when the child was forked: its lock is held in the child for ever. For SPAWN and standby children a
 * connection passed as an argument is serialized as a handle: its fd is passed to the child (see
 * {@code FdExport}) and the child gets a connection on the same pipe. Serializing a connection anywhere else,
 * including sending it over another connection (CPython does that with SCM_RIGHTS), is refused with a
 * {@link java.io.NotSerializableException} saying so.
 */
public final class Connection implements AutoCloseable, Serializable {
    private static final long serialVersionUID = 1L;
    /** The default {@link #maxMessageSize()}: 512 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 512 << 20;
    /** A wait this long or longer has no limit (see {@link #millisOf}). */
    private static final Duration NO_LIMIT = Duration.ofDays(365);
    /** Bodies up to this size are allocated whole at once; longer ones grow as their bytes arrive. */
    private static final int ALLOCATE_AHEAD = 16 << 20;

    private final boolean readable;
    private final boolean writable;
    private final transient ReentrantLock sendLock = new ReentrantLock();
    private final transient ReentrantLock recvLock = new ReentrantLock();
    private final transient AtomicBoolean closed = new AtomicBoolean();
    private final transient byte[] sendHeader = new byte[4];
    private final transient byte[] header = new byte[8];
    private volatile int fd;
    /** Native buffers for each direction this end has (0 for the other), freed with the fd. */
    private transient long sendBuffer;
    private transient long recvBuffer;
    /** What the collector gives back if this connection is dropped open; null in a forked copy of the JVM. */
    private final transient Dropped dropped;
    private volatile int maxMessageSize = defaultMaxMessageSize();
    /** Never serialized: a connection crosses to a child as its {@code Handle} ({@link #writeReplace}). */
    private transient volatile ObjectInputFilter objectFilter;

    Connection(int fd, boolean readable, boolean writable) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd " + fd + " is not a file descriptor");
        }
        if (!readable && !writable) {
            throw new IllegalArgumentException("a connection must be readable, writable or both");
        }
        this.fd = fd;
        this.readable = readable;
        this.writable = writable;
        this.sendBuffer = writable ? FdIo.allocateBuffer() : 0;
        this.recvBuffer = readable ? FdIo.allocateBuffer() : 0;
        if (Release.inForkedCopy()) {
            this.dropped = null;
        } else {
            this.dropped = new Dropped(fd, sendBuffer, recvBuffer);
            OPEN.add(1);
            Release.whenGarbage(this, dropped);
        }
    }

    /** Connections open and registered with the collector, bounded so that dropped ones cannot pile up. */
    private static final Release.Bound OPEN = new Release.Bound(256);
    private static final Release.Bound[] BOUNDS = {OPEN};

    /** Before a new connection: a collection first if too many wait for one. */
    static void relieve() {
        Release.relieve(BOUNDS);
    }

    /**
     * The fd and native buffers of a connection dropped without {@link #close()}, given back by the collector (CPython
     * closes a collected connection too). Refers to no connection; whichever of the close and the collector comes
     * first releases.
     */
    private static final class Dropped implements Runnable {
        private final int fd;
        private final long sendBuffer;
        private final long recvBuffer;
        private final AtomicBoolean released = new AtomicBoolean();

        Dropped(int fd, long sendBuffer, long recvBuffer) {
            this.fd = fd;
            this.sendBuffer = sendBuffer;
            this.recvBuffer = recvBuffer;
        }

        /** Claims the release for the caller; true once. */
        boolean claim() {
            if (released.compareAndSet(false, true)) {
                OPEN.add(-1);
                return true;
            }
            return false;
        }

        @Override
        public void run() {
            if (claim()) {
                FdIo.freeBuffer(sendBuffer);
                FdIo.freeBuffer(recvBuffer);
                FdIo.close(fd);
            }
        }
    }

    /**
     * A connection over an open pipe or stream-socket fd, which it then owns and closes: Python's
     * {@code Connection(handle, readable=True, writable=True)}.
     *
     * @throws IllegalArgumentException if {@code fd} is negative or the connection would be neither readable nor
     *                                  writable
     */
    public static Connection fromFd(int fd, boolean readable, boolean writable) {
        return new Connection(fd, readable, writable);
    }

    /**
     * Sends {@code obj} as one message: Python's {@code send(obj)}. Serialized fully before anything is written,
     * so an object that cannot be sent leaves the connection untouched.
     *
     * @param obj any value: null, a String, a boxed number, a byte array, or a {@link Serializable} object
     * @throws IllegalArgumentException naming the class if {@code obj} (or what it holds) is not serializable
     * @throws ConnectionException      if the peer is gone (EPIPE) or the write fails
     * @throws IllegalStateException    if this connection is closed or receive-only
     */
    public void send(Object obj) {
        MessageCodec.Encoded message = MessageCodec.encode(obj);
        int size = message.bodyLength();
        checkSize(size);
        CompactValues.putInt(message.bytes(), 0, size);
        write(false, message.bytes(), 0, message.length());
    }

    /** {@link #sendBytes(byte[], int, int)} of the whole array: Python's {@code send_bytes(buf)}. */
    public void sendBytes(byte[] buf) {
        sendBytes(buf, 0, buf.length);
    }

    /**
     * Sends {@code size} bytes of {@code buf} from {@code offset} as one message: Python's
     * {@code send_bytes(buf, offset, size)}.
     *
     * @throws IndexOutOfBoundsException if the range is outside {@code buf}
     * @throws IllegalArgumentException  if {@code size} exceeds {@link #maxMessageSize()}
     * @throws ConnectionException       if the peer is gone (EPIPE) or the write fails
     * @throws IllegalStateException     if this connection is closed or receive-only
     */
    public void sendBytes(byte[] buf, int offset, int size) {
        Objects.checkFromIndexSize(offset, size, buf.length);
        checkSize(size);
        write(true, buf, offset, size);
    }

    /**
     * Receives one object message, blocking until it arrives: Python's {@code recv()}.
     *
     * @throws ConnectionEofException      when nothing is left and the peer is closed everywhere
     * @throws UnreadableMessageException  if the message names a class missing here, is rejected by the filter,
     *                                     or is corrupt (the message is consumed)
     * @throws ConnectionException         on a truncated or oversized frame (the connection is then closed)
     * @throws IllegalStateException       if this connection is closed or send-only
     */
    public Object recv() {
        byte[] body = readFrame(maxMessageSize);
        return MessageCodec.decode(body, body.length, objectFilter);
    }

    /**
     * {@link #recv()} checked against {@code type}.
     *
     * @throws ClassCastException naming both classes if the message is of another type
     */
    public <T> T recv(Class<T> type) {
        Object value = recv();
        if (value != null && !type.isInstance(value)) {
            throw new ClassCastException("expected a " + type.getName() + " but received a " + value.getClass().getName());
        }
        return type.cast(value);
    }

    /** Receives one message of bytes: Python's {@code recv_bytes()}. Errors as {@link #recvBytes(int)}. */
    public byte[] recvBytes() {
        return readFrame(maxMessageSize);
    }

    /**
     * Receives one message of bytes: Python's {@code recv_bytes(maxlength)}.
     *
     * @throws ConnectionException      if the message is longer than {@code maxLength}; the connection is then
     *                                  closed, as CPython does ({@code OSError: bad message length})
     * @throws ConnectionEofException   when nothing is left and the peer is closed everywhere
     * @throws IllegalArgumentException if {@code maxLength} is negative
     * @throws IllegalStateException    if this connection is closed or send-only
     */
    public byte[] recvBytes(int maxLength) {
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength " + maxLength + " is negative");
        }
        return readFrame(Math.min(maxLength, maxMessageSize));
    }

    /**
     * Receives one message of bytes into {@code buf} from {@code offset}: Python's
     * {@code recv_bytes_into(buf, offset)}.
     *
     * @return the message's length
     * @throws BufferTooShortException  if it does not fit; the exception holds the message
     * @throws IndexOutOfBoundsException if {@code offset} is outside {@code buf}
     */
    public int recvBytesInto(byte[] buf, int offset) {
        Objects.checkIndex(offset, buf.length + 1);
        byte[] message = readFrame(maxMessageSize);
        if (message.length > buf.length - offset) {
            throw new BufferTooShortException(message, buf.length - offset);
        }
        System.arraycopy(message, 0, buf, offset, message.length);
        return message.length;
    }

    /** {@link #recvBytesInto(byte[], int)} at offset 0. */
    public int recvBytesInto(byte[] buf) {
        return recvBytesInto(buf, 0);
    }

    /** Whether a message (or end of file) can be received now, without waiting: Python's {@code poll()}. */
    public boolean poll() {
        return poll(Duration.ZERO);
    }

    /**
     * Waits up to {@code timeout} for data to receive: Python's {@code poll(timeout)}. True also when the peer
     * was closed (the next {@link #recv()} then reports end of file), as in CPython.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if this connection is closed or send-only
     */
    public boolean poll(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout " + timeout + " is negative");
        }
        long millis = millisOf(timeout);
        recvLock.lock();
        try {
            int local = open("poll on", readable, "send-only");
            return FdIo.awaitReady(recvBuffer, local, PollFds.POLLIN, millis);
        } catch (PosixException e) {
            throw failure("poll", e);
        } finally {
            unlock(recvLock);
        }
    }

    /**
     * Waits until at least one of {@code objects} is ready and returns the ready ones, in the order given: Python's
     * {@code multiprocessing.connection.wait(object_list, timeout)}. A {@link Connection} is ready when a message
     * (or end of file: the peer closed) can be received, as {@link #poll()} says; an {@link MpProcess} when it has
     * ended (Python's {@code sentinel}), also the parent's view from {@code Multiprocessing.parentProcess()}. One
     * {@code poll(2)} covers them all: the connections' fds and the children's pidfds (the handle's own, as its
     * {@code join()} uses). Like {@link #poll(Duration)} it holds each connection's receiving side while it waits
     * (another thread's {@code recv} on one of them waits for it, and it waits for one in progress), and it is not
     * interruptible. On a virtual thread the sleep is made by a platform sleeper, as for every forkj wait.
     *
     * @param objects {@link Connection}s (readable, open) and started {@link MpProcess}es; may repeat
     * @param timeout how long to wait at most; zero to ask without waiting
     * @return the ready objects, empty if none became ready in time
     * @throws IllegalArgumentException if an object is of another kind or null (Python: it waits on sockets and
     *                                  fds too), or if the timeout is negative
     * @throws IllegalStateException    if a connection is closed or send-only, or a process not started, closed or
     *                                  the current one (as {@link MpProcess#join()} refuses them)
     */
    public static <T> List<T> waitAny(Collection<? extends T> objects, Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout " + timeout + " is negative");
        }
        return ReadyWait.waitAny(objects, millisOf(timeout));
    }

    /**
     * {@link #waitAny(Collection, Duration)} without a time limit: Python's {@code wait(object_list)} (timeout
     * {@code None}).
     *
     * @throws IllegalArgumentException also if {@code objects} is empty: it would wait for ever
     */
    public static <T> List<T> waitAny(Collection<? extends T> objects) {
        return ReadyWait.waitAny(objects, -1);
    }

    /**
     * Whole milliseconds, rounded up, for {@code poll(2)}; a year or more waits without limit (-1), so that no
     * deadline computed from it overflows.
     */
    private static long millisOf(Duration timeout) {
        if (timeout.compareTo(NO_LIMIT) >= 0) {
            return -1;
        }
        long nanos = timeout.toNanos();
        return nanos / 1_000_000 + (nanos % 1_000_000 == 0 ? 0 : 1);
    }

    // ---- for waitAny: the receiving side held across one poll(2) of many fds

    /** Takes the receiving side if no other thread has it. */
    boolean tryHoldReceiving() {
        return recvLock.tryLock();
    }

    /** Waits until no other thread has the receiving side, and gives it back (the caller then tries them all again). */
    void awaitReceivingFree() {
        recvLock.lock();
        unlock(recvLock);
    }

    /** Gives back the receiving side taken by {@link #tryHoldReceiving()}. */
    void releaseReceiving() {
        unlock(recvLock);
    }

    /**
     * The fd to poll, with the receiving side held; asked once before anything is held too, for its refusals (a
     * closed or send-only connection).
     */
    int receivingFd() {
        return open("wait on", readable, "send-only");
    }

    /**
     * Closes this end: Python's {@code close()}. Idempotent. The peer sees end of file once every process holding
     * this end has closed it (a FORK or SPAWN child holds its own copy). Releases the fd and the connection's
     * native buffers (128 KiB per direction). As in CPython, a connection dropped open is closed once the garbage
     * collector finds it (not in a FORK child, which runs no collector), so a lost one cannot exhaust the fds; close
     * what you open to give them back at once.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            releaseFd();
        }
    }

    /** Whether {@link #close()} was called: Python's {@code closed}. */
    public boolean closed() {
        return closed.get();
    }

    /** Whether this end can receive: Python's {@code readable}. */
    public boolean readable() {
        return readable;
    }

    /** Whether this end can send: Python's {@code writable}. */
    public boolean writable() {
        return writable;
    }

    /**
     * The file descriptor: Python's {@code fileno()}.
     *
     * @throws IllegalStateException if closed
     */
    public int fileno() {
        int local = fd;
        if (closed.get() || local < 0) {
            throw new IllegalStateException("connection is closed");
        }
        return local;
    }

    /** The largest message body this connection sends or accepts, in bytes. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * Sets the largest message body this connection sends or accepts (not a CPython setting: CPython has none).
     *
     * @return this connection
     * @throws IllegalArgumentException if {@code bytes < 1} or above {@code Integer.MAX_VALUE - 8} (a Java array's
     *                                  limit)
     */
    public Connection setMaxMessageSize(int bytes) {
        if (bytes < 1 || bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("max message size " + bytes + " must be in 1.." + (Integer.MAX_VALUE - 8));
        }
        maxMessageSize = bytes;
        return this;
    }

    /**
     * Adds a deserialization filter for the objects this connection receives, consulted after the built-in
     * limits and the JVM-wide filter: its REJECTED rejects, its ALLOWED lets a class through the deny list, and
     * UNDECIDED leaves the decision to the deny list (everything not on it is allowed). Null removes it.
     *
     * @return this connection
     */
    public Connection setObjectFilter(ObjectInputFilter filter) {
        objectFilter = filter;
        return this;
    }

    @Override
    public String toString() {
        return "Connection[fd=" + fd + (readable ? ", readable" : "") + (writable ? ", writable" : "")
                + (closed.get() ? ", closed" : "") + "]";
    }

    // ---- I/O

    /** Writes one frame: {@code data} already starts with its header when {@code addHeader} is false. */
    private void write(boolean addHeader, byte[] data, int offset, int length) {
        sendLock.lock();
        try {
            int local = open("send on", writable, "receive-only");
            if (addHeader) {
                CompactValues.putInt(sendHeader, 0, length);
                FdIo.writeFully(sendBuffer, local, sendHeader, 4, data, offset, length);
            } else {
                FdIo.writeFully(sendBuffer, local, sendHeader, 0, data, offset, length);
            }
        } catch (PosixException e) {
            throw failure("send", e);
        } finally {
            unlock(sendLock);
        }
    }

    private byte[] readFrame(int limit) {
        recvLock.lock();
        try {
            int local = open("recv on", readable, "send-only");
            int got = readUpTo(recvBuffer, local, header, 0, 4);
            if (got == 0) {
                throw new ConnectionEofException("end of file on " + this + ": the other end is closed");
            }
            if (got < 4) {
                throw truncated(got, 4, "length header");
            }
            long size = CompactValues.getInt(header, 0);
            if (size == -1) {
                int more = readUpTo(recvBuffer, local, header, 0, 8);
                if (more < 8) {
                    throw truncated(4 + more, 12, "8-byte length header");
                }
                size = CompactValues.getLong(header, 0);
                if (size < 0) {
                    throw badFrame("corrupt frame: 8-byte length " + Long.toUnsignedString(size)
                            + " exceeds what any message can hold");
                }
            } else if (size < 0) {
                throw badFrame("corrupt frame: length header " + size + " is negative (0x"
                        + Integer.toHexString((int) size) + "); the stream is not a forkj/CPython connection");
            }
            if (size > limit) {
                throw badFrame("bad message length: a frame of " + size + " bytes exceeds the limit of " + limit
                        + " bytes" + (limit == maxMessageSize ? " (maxMessageSize)" : " (maxLength)"));
            }
            int length = (int) size;
            byte[] body = new byte[Math.min(length, ALLOCATE_AHEAD)];
            int filled = 0;
            while (filled < length) {
                if (filled == body.length) {
                    body = Arrays.copyOf(body, (int) Math.min(length, (long) body.length + ALLOCATE_AHEAD));
                }
                int n = FdIo.read(recvBuffer, local, body, filled, body.length - filled);
                if (n == 0) {
                    throw truncated(filled, length, "message body");
                }
                filled += n;
            }
            return body;
        } catch (PosixException e) {
            throw failure("recv", e);
        } finally {
            unlock(recvLock);
        }
    }

    /** Reads until {@code length} bytes or end of file; returns how many arrived. */
    private static int readUpTo(long buffer, int fd, byte[] into, int offset, int length) {
        int filled = 0;
        while (filled < length) {
            int n = FdIo.read(buffer, fd, into, offset + filled, length - filled);
            if (n == 0) {
                return filled;
            }
            filled += n;
        }
        return filled;
    }

    private ConnectionException truncated(int got, int expected, String what) {
        String message = "got end of file during message on " + this + ": " + got + " of " + expected + " bytes of the "
                + what + " arrived before the other end was closed (its process died or closed it mid-send)";
        close();
        return new ConnectionException(message, new java.io.EOFException(message));
    }

    private ConnectionException badFrame(String message) {
        String full = message + " on " + this + "; the connection is closed, as the rest of the stream cannot be framed";
        close();
        return new ConnectionException(full, new java.io.StreamCorruptedException(full));
    }

    private ConnectionException failure(String op, PosixException e) {
        int errno = e.errno();
        String why = errno == 32 ? " (BrokenPipeError: no process holds the other end open any more)" : "";
        return new ConnectionException(op + " failed on " + this + ": " + e.getMessage() + why, new IOException(e));
    }

    private void checkSize(int size) {
        if (size > maxMessageSize) {
            throw new IllegalArgumentException("a message of " + size + " bytes exceeds the connection's maxMessageSize of "
                    + maxMessageSize + " bytes (setMaxMessageSize raises it on both ends)");
        }
    }

    /** The fd, for an operation under its lock; checks state and direction first. */
    private int open(String op, boolean allowed, String direction) {
        int local = fd;
        if (closed.get() || local < 0) {
            throw new IllegalStateException("cannot " + op + " a closed connection");
        }
        if (!allowed) {
            throw new IllegalStateException("cannot " + op + " a " + direction + " connection (the "
                    + (direction.equals("send-only") ? "second" : "first") + " end of Pipe(duplex=false))");
        }
        return local;
    }

    private void unlock(ReentrantLock lock) {
        lock.unlock();
        if (closed.get() && fd >= 0) {
            releaseFd();
        }
    }

    /** Closes the fd once no operation is using it: the last operation to finish after close() does it. */
    private void releaseFd() {
        if (!sendLock.tryLock()) {
            return;
        }
        try {
            if (!recvLock.tryLock()) {
                return;
            }
            try {
                if (sendLock.getHoldCount() > 1 || recvLock.getHoldCount() > 1) {
                    return;
                }
                int local = fd;
                if (local >= 0 && (dropped == null || dropped.claim())) {
                    fd = -1;
                    FdIo.freeBuffer(sendBuffer);
                    FdIo.freeBuffer(recvBuffer);
                    sendBuffer = 0;
                    recvBuffer = 0;
                    FdIo.close(local);
                }
            } finally {
                recvLock.unlock();
            }
        } finally {
            sendLock.unlock();
        }
    }

    // ---- passing to SPAWN and standby children

    private Object writeReplace() throws ObjectStreamException {
        int local = fd;
        return new Handle(FdExport.export(closed.get() ? -1 : local, "Connection"), readable, writable, maxMessageSize);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("a Connection is serialized as its handle only");
    }

    /** What crosses to a SPAWN or standby child: the exported fd number and the direction. */
    private static final class Handle implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int fd;
        private final boolean readable;
        private final boolean writable;
        private final int maxMessageSize;

        Handle(int fd, boolean readable, boolean writable, int maxMessageSize) {
            this.fd = fd;
            this.readable = readable;
            this.writable = writable;
            this.maxMessageSize = maxMessageSize;
        }

        private Object readResolve() throws ObjectStreamException {
            int local = FdExport.imported(fd);
            try {
                // The child got the fd without close-on-exec; its own children get it only if passed on.
                FdIo.closeOnExec(local, true);
            } catch (PosixException e) {
                throw new java.io.InvalidObjectException("a Connection handle names fd " + fd + " (here " + local
                        + "), which this process did not receive: " + e.getMessage());
            }
            return new Connection(local, readable, writable).setMaxMessageSize(maxMessageSize);
        }
    }

    private static int defaultMaxMessageSize() {
        String property = System.getProperty("forkj.connection.maxMessageSize");
        if (property == null) {
            return DEFAULT_MAX_MESSAGE_SIZE;
        }
        try {
            int value = Integer.parseInt(property.trim());
            if (value >= 1 && value <= Integer.MAX_VALUE - 8) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("system property forkj.connection.maxMessageSize=" + property
                + " must be an int in 1.." + (Integer.MAX_VALUE - 8));
    }
}
