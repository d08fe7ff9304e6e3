package io.forkj.multiprocessing.internal.shm;

import com.kenai.jffi.MemoryIO;
import io.forkj.PosixException;
import io.forkj.posix.internal.libc.Native;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A shared memory segment: a {@code memfd_create(2)} file ({@code MFD_CLOEXEC}) sized with {@code ftruncate} and
 * mapped {@code MAP_SHARED}, seen through a direct {@link ByteBuffer} in native byte order. The kernel frees the
 * memory when the last fd and the last mapping of it are gone, in any process, however it ended: there is no
 * file in {@code /dev/shm} to leak. FORK children inherit the mapping; SPAWN and standby children get the fd
 * (see {@link io.forkj.multiprocessing.internal.FdExport}) and {@link #attach(int, int)} it.
 *
 * <p>The buffer is valid until {@link #close()}: touching it afterwards would touch unmapped memory, so every
 * forkj object built on a segment checks {@link #isClosed()} before use and must not be closed while another
 * thread still uses it.
 */
public final class SharedSegment implements AutoCloseable {
    private static final int MFD_CLOEXEC = 1;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    /** Largest segment: a ByteBuffer is indexed by int. */
    public static final int MAX_SIZE = Integer.MAX_VALUE - 8;

    private volatile int fd;
    private final long address;
    private final int size;
    private final ByteBuffer buffer;
    private volatile boolean closed;

    private SharedSegment(int fd, long address, int size) {
        this.fd = fd;
        this.address = address;
        this.size = size;
        this.buffer = MemoryIO.getInstance().newDirectByteBuffer(address, size).order(ByteOrder.nativeOrder());
    }

    /**
     * A new zero-filled segment of {@code size} bytes.
     *
     * @param name shows in {@code /proc/PID/fd} as {@code /memfd:NAME (deleted)}; at most 249 bytes
     * @throws IllegalArgumentException if size is not positive or above {@link #MAX_SIZE}
     * @throws PosixException           if the kernel refuses ({@code EMFILE}, {@code ENOMEM}, ...)
     */
    public static SharedSegment create(String name, long size) {
        checkSize(size);
        int fd = Native.libc().memfd_create(name, MFD_CLOEXEC);
        if (fd < 0) {
            throw new PosixException("memfd_create(\"" + name + "\")", Native.errno());
        }
        if (Native.libc().ftruncate(fd, size) != 0) {
            int errno = Native.errno();
            Native.libc().close(fd);
            throw new PosixException("ftruncate(" + fd + ", " + size + ")", errno);
        }
        return map(fd, (int) size, true);
    }

    /**
     * Maps an inherited or received segment fd ({@code size} bytes, as its creator made it). The segment owns
     * {@code fd} from now on: {@link #close()} closes it.
     */
    public static SharedSegment attach(int fd, int size) {
        checkSize(size);
        return map(fd, size, false);
    }

    private static SharedSegment map(int fd, int size, boolean closeOnFailure) {
        long address = Mmap.mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (address == -1) {
            int errno = Native.errno();
            if (closeOnFailure) {
                Native.libc().close(fd);
            }
            throw new PosixException("mmap(fd " + fd + ", " + size + " bytes, MAP_SHARED)", errno);
        }
        return new SharedSegment(fd, address, size);
    }

    private static void checkSize(long size) {
        if (size <= 0 || size > MAX_SIZE) {
            throw new IllegalArgumentException("shared memory size " + size + " must be between 1 and " + MAX_SIZE
                    + " bytes");
        }
    }

    /** The mapping, in native byte order; absolute indexes only (its position is shared by every user). */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** The native address of byte 0 of the mapping (for {@code futex(2)}). */
    public long address() {
        return address;
    }

    /** The memfd, -1 after {@link #closeFd()}. */
    public int fd() {
        return fd;
    }

    /** The size in bytes. */
    public int size() {
        return size;
    }

    /** Whether {@link #close()} ran in this process. */
    public boolean isClosed() {
        return closed;
    }

    /** Throws {@link IllegalStateException} naming {@code what} if this segment is closed in this process. */
    public void checkOpen(String what) {
        if (closed) {
            throw new IllegalStateException("this " + what + " is closed in this process (pid "
                    + Self.pid() + ")");
        }
    }

    /** Unmaps and closes the fd in this process; other processes keep their mappings. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Native.libc().munmap(address, size);
        closeFd();
    }

    /**
     * Closes the fd but keeps the mapping: the memory then lives exactly as long as the mappings, and this
     * process can no longer pass it to children ({@link #fd()} is -1).
     */
    public synchronized void closeFd() {
        int open = fd;
        if (open >= 0) {
            fd = -1;
            Native.libc().close(open);
        }
    }

    @Override
    public String toString() {
        return "SharedSegment[fd " + fd + ", " + size + " bytes" + (closed ? ", closed]" : "]");
    }
}
