package io.forkj.multiprocessing.internal;

import io.forkj.PosixException;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.libc.PollFds;
import io.forkj.posix.internal.fork.Starter;
import com.kenai.jffi.MemoryIO;

import java.util.function.LongPredicate;

/**
 * The system calls under a {@code Connection}: whole-buffer writes and reads on a pipe or socket fd through a
 * native buffer of the connection's, with {@code EINTR} retried, partial writes continued and {@code EAGAIN} (an
 * fd some process made non-blocking) waited out with {@code poll(2)}.
 *
 * <p>Why a native buffer and raw addresses: jnr's {@code byte[]} parameters copy the whole array into temporary
 * native memory on every call (and back, for reads), whatever the count; here each byte is copied once between
 * the Java array and the buffer, and a call costs one jnr downcall. The buffer is plain {@code malloc} memory
 * allocated when the connection is made and freed when it is closed: a FORK child that uses an inherited
 * connection allocates nothing native and registers nothing with the garbage collector (a cleaner or finalizer
 * registration takes a lock another thread may have held at fork time).
 */
public final class FdIo {
    /** Bytes moved per system call at most: the size of a connection's buffer for one direction. */
    public static final int CHUNK = 128 * 1024;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EPIPE = 32;
    static final int ECONNRESET = 104;
    static final short POLLIN = PollFds.POLLIN;
    static final short POLLOUT = PollFds.POLLOUT;
    /** {@code PIPE_BUF}: a pipe that polls writable takes this much in one write without blocking. */
    static final int PIPE_BUF = 4096;

    private static final LinuxLibC LIBC = Native.libc();
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    static {
        // PollFds.put runs in forked children: initialize its class here, in the parent.
        long scratch = MEMORY.allocateMemory(PollFds.SIZE, false);
        PollFds.put(scratch, -1, (short) 0);
        MEMORY.freeMemory(scratch);
    }

    private FdIo() {
    }

    /** A buffer for one direction: {@link #CHUNK} bytes of data, then one {@code struct pollfd}. */
    public static long allocateBuffer() {
        long address = MEMORY.allocateMemory(CHUNK + 8, false);
        if (address == 0) {
            throw new OutOfMemoryError("malloc(" + (CHUNK + 8) + ") for a connection buffer failed");
        }
        return address;
    }

    /** Frees a buffer from {@link #allocateBuffer()}; 0 is ignored. */
    public static void freeBuffer(long address) {
        if (address != 0) {
            MEMORY.freeMemory(address);
        }
    }

    /**
     * Writes, through the buffer at {@code address}, {@code head[0..headLength)} followed by {@code body[offset..offset+length)} to {@code fd}, all of it:
     * one {@code write(2)} when the two fit in {@link #CHUNK}.
     *
     * @throws PosixException with EPIPE/ECONNRESET when no process holds the other end any more, or another errno
     */
    public static void writeFully(long address, int fd, byte[] head, int headLength, byte[] body, int offset, int length) {
        int filled = 0;
        if (headLength > 0) {
            MEMORY.putByteArray(address, head, 0, headLength);
            filled = headLength;
        }
        int next = offset;
        int end = offset + length;
        while (true) {
            int take = Math.min(CHUNK - filled, end - next);
            if (take > 0) {
                MEMORY.putByteArray(address + filled, body, next, take);
                next += take;
                filled += take;
            }
            int done = 0;
            while (done < filled) {
                long size = filled - done;
                if (Starter.onVirtualThread()) {
                    // Wait for room elsewhere, then write no more than a pipe takes at once when it has room.
                    if (!pollHere(address, fd, POLLOUT, 0)) {
                        awaitReady(address, fd, POLLOUT, -1);
                    }
                    size = Math.min(size, PIPE_BUF);
                }
                long n = LIBC.write(fd, address + done, size);
                if (n >= 0) {
                    done += (int) n;
                    continue;
                }
                int errno = Native.errno();
                if (errno == EINTR) {
                    continue;
                }
                if (errno == EAGAIN) {
                    awaitReady(address, fd, POLLOUT, -1);
                    continue;
                }
                throw new PosixException("write(" + fd + ", " + (filled - done) + " bytes)", errno);
            }
            filled = 0;
            if (next == end) {
                return;
            }
        }
    }

    /**
     * One {@code read(2)}, through the buffer at {@code address}, of at most {@code length} bytes (and at most {@link #CHUNK}) into {@code target}.
     *
     * @return the bytes read, 0 at end of file; {@code ECONNRESET} (the peer died with data of ours unread) counts
     *         as end of file
     * @throws PosixException for any other errno but EINTR/EAGAIN, which are retried
     */
    public static int read(long address, int fd, byte[] target, int offset, int length) {
        int want = Math.min(length, CHUNK);
        while (true) {
            if (Starter.onVirtualThread() && !pollHere(address, fd, POLLIN, 0)) {
                awaitReady(address, fd, POLLIN, -1); // the read below then does not hold the carrier
            }
            long n = LIBC.read(fd, address, want);
            if (n > 0) {
                MEMORY.getByteArray(address, target, offset, (int) n);
                return (int) n;
            }
            if (n == 0) {
                return 0;
            }
            int errno = Native.errno();
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                awaitReady(address, fd, POLLIN, -1);
                continue;
            }
            if (errno == ECONNRESET) {
                return 0;
            }
            throw new PosixException("read(" + fd + ", " + want + " bytes)", errno);
        }
    }

    /**
     * {@code poll(2)} for {@code events} on {@code fd}, with the {@code pollfd} in the buffer at {@code address}.
     *
     * @param timeoutMillis 0 to ask without waiting, negative to wait without limit
     * @return whether the fd is ready (readable data or end of file/hang-up/error, which the next read reports)
     */
    public static boolean awaitReady(long address, int fd, short events, long timeoutMillis) {
        if (timeoutMillis == 0 || !Starter.onVirtualThread()) {
            return pollHere(address, fd, events, timeoutMillis);
        }
        return inSlices(timeoutMillis, slice -> pollHere(address, fd, events, slice));
    }

    /**
     * {@code poll(2)} on the {@code count} {@code struct pollfd} at {@code pollfds} (their {@code revents} cleared
     * first; read them with {@link PollFds#revents(long, int)} after): in this thread, or on a virtual thread in
     * slices on a platform sleeper, as {@link #awaitReady}.
     *
     * @param timeoutMillis 0 to ask without waiting, negative to wait without limit
     * @return whether any entry is ready
     */
    public static boolean awaitAny(long pollfds, int count, long timeoutMillis) {
        if (timeoutMillis == 0 || !Starter.onVirtualThread()) {
            return pollAllHere(pollfds, count, timeoutMillis);
        }
        return inSlices(timeoutMillis, slice -> pollAllHere(pollfds, count, slice));
    }

    /** A virtual thread asleep in poll(2) would hold its carrier: the sleep is made elsewhere, in slices. */
    private static boolean inSlices(long timeoutMillis, LongPredicate pollFor) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            long slice = timeoutMillis < 0 ? VirtualSleep.SLICE_MILLIS
                    : Math.min(VirtualSleep.SLICE_MILLIS, Math.max(0, (deadline - System.nanoTime()) / 1_000_000L));
            if (VirtualSleep.run(() -> pollFor.test(slice))) {
                return true;
            }
            if (timeoutMillis > 0 && deadline - System.nanoTime() <= 0) {
                return false;
            }
        }
    }

    /** {@link #awaitReady} in this thread. */
    private static boolean pollHere(long address, int fd, short events, long timeoutMillis) {
        long pollfd = address + CHUNK;
        PollFds.put(pollfd, fd, events);
        return pollAllHere(pollfd, 1, timeoutMillis);
    }

    /** {@link #awaitAny} in this thread, through interruptions by signals. */
    private static boolean pollAllHere(long pollfds, int count, long timeoutMillis) {
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000L : 0;
        long wait = timeoutMillis;
        while (true) {
            PollFds.clearRevents(pollfds, count);
            int n = LIBC.poll(pollfds, count, (int) Math.min(wait, Integer.MAX_VALUE));
            if (n > 0) {
                return true;
            }
            if (n == 0) {
                return false;
            }
            int errno = Native.errno();
            if (errno != EINTR) {
                throw new PosixException(count == 1 ? "poll(fd " + MEMORY.getInt(pollfds) + ")"
                        : "poll(" + count + " fds)", errno);
            }
            if (timeoutMillis > 0) {
                wait = Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
            }
        }
    }

    /** {@code close(2)}; errors other than EINTR are reported (EINTR on Linux still closes the fd). */
    public static void close(int fd) {
        if (LIBC.close(fd) != 0) {
            int errno = Native.errno();
            if (errno != EINTR) {
                throw new PosixException("close(" + fd + ")", errno);
            }
        }
    }

    /** Sets or clears {@code FD_CLOEXEC} on {@code fd}. */
    public static void closeOnExec(int fd, boolean on) {
        int flags = LIBC.fcntl(fd, 1 /* F_GETFD */, 0);
        if (flags < 0) {
            throw new PosixException("fcntl(" + fd + ", F_GETFD)", Native.errno());
        }
        int wanted = on ? flags | 1 : flags & ~1;
        if (wanted != flags && LIBC.fcntl(fd, 2 /* F_SETFD */, wanted) != 0) {
            throw new PosixException("fcntl(" + fd + ", F_SETFD, " + wanted + ")", Native.errno());
        }
    }
}
