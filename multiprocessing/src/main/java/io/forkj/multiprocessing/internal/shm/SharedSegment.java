package io.forkj.multiprocessing.internal.shm;

import com.kenai.jffi.MemoryIO;
import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.multiprocessing.internal.FdExport;
import io.forkj.multiprocessing.internal.Release;
import io.forkj.posix.internal.libc.Native;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shared memory segment: a {@code memfd_create(2)} file ({@code MFD_CLOEXEC}) sized with {@code ftruncate} and
 * mapped {@code MAP_SHARED}, seen through a direct {@link ByteBuffer} in native byte order. The kernel frees the
 * memory when the last fd and the last mapping of it are gone, in any process, however it ended: there is no
 * file in {@code /dev/shm} to leak. FORK children inherit the mapping; SPAWN and standby children get the fd
 * (see {@link io.forkj.multiprocessing.internal.FdExport}) and {@link #attach(int, int)} it.
 *
 * <p>Every use of the mapping by forkj's objects sits between {@link #enter} and {@link #leave}, and {@link #close()}
 * unmaps only once no thread of this process is inside: a thread asleep in a queue's {@code get()} or a lock's
 * {@code acquire()} while another thread closed the object used to touch the unmapped memory when it woke, and the
 * JVM died of SIGSEGV (Queue, Lock and Event alike, JDK 17). Now the close wakes it (the futex words its objects
 * registered with {@link #wakeOnClose}), it throws {@link IllegalStateException}, and the last one out unmaps.
 *
 * <p>Buffers handed to callers ({@link #view}) cannot be counted that way: a caller may keep one past the close.
 * Once a segment has given one, its unmap waits until every buffer derived from it is garbage, as a
 * {@code MappedByteBuffer}'s does; until then a kept buffer still reads and writes the shared memory.
 *
 * <p>A segment dropped without {@link #close()} (a {@code Lock} nobody closes, as nobody closes one in Python) gives
 * its fd and mapping back once it is garbage, as CPython's objects do when they are collected: a loop of
 * {@code new Lock()} used to run out of fds ({@code EMFILE} after ~16,000 here). See {@link Resources}.
 */
public final class SharedSegment implements AutoCloseable {
    private static final int MFD_CLOEXEC = 1;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    /** Largest segment: a ByteBuffer is indexed by int. */
    public static final int MAX_SIZE = Integer.MAX_VALUE - 8;

    private final long address;
    private final int size;
    /** The mapping. Every forkj object that uses the segment keeps it (and the segment), so its release waits for all. */
    private final ByteBuffer buffer;
    private final Resources resources;
    private volatile boolean closed;
    /** Threads of this process between {@link #enter} and {@link #leave}, and {@link #close()} while it runs. */
    private final AtomicInteger users = new AtomicInteger();
    private volatile long[] wakeOnClose = new long[0];
    /** The buffer every {@link #view} derives from, held until {@link #close()}; null before the first view. */
    private ByteBuffer viewRoot;

    private SharedSegment(int fd, long address, int size) {
        this.address = address;
        this.size = size;
        this.buffer = MemoryIO.getInstance().newDirectByteBuffer(address, size).order(ByteOrder.nativeOrder());
        this.resources = new Resources(fd, address, size);
        resources.collectWith(buffer);
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
        Resources.relieve();
        int fd = Native.libc().memfd_create(name, MFD_CLOEXEC);
        if (fd < 0 && Release.collectAfter(Native.errno(), Errno.EMFILE, Errno.ENFILE)) {
            fd = Native.libc().memfd_create(name, MFD_CLOEXEC);
        }
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
        Resources.relieve();
        return map(fd, size, false);
    }

    private static SharedSegment map(int fd, int size, boolean closeOnFailure) {
        long address = Mmap.mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (address == -1 && Release.collectAfter(Native.errno(), Errno.ENOMEM)) {
            // ENOMEM: vm.max_map_count mappings, or the memory itself
            address = Mmap.mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        }
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

    /**
     * A buffer over the whole segment for a caller to keep (its own position and limit, native byte order). It and
     * every buffer derived from it ({@code slice()}, {@code asIntBuffer()}, ...) keep the memory mapped after
     * {@link #close()} until they are garbage, so touching one can never touch unmapped memory. In a FORK child (no
     * collector runs there) a segment that gave a view stays mapped until the child exits.
     *
     * @throws IllegalStateException naming {@code what} if the segment is closed in this process
     */
    public ByteBuffer view(String what) {
        enter(what);
        try {
            ByteBuffer root;
            synchronized (this) {
                root = viewRoot;
                if (root == null) {
                    root = MemoryIO.getInstance().newDirectByteBuffer(address, size);
                    resources.holdForViews(root);
                    viewRoot = root;
                }
            }
            return root.duplicate().order(ByteOrder.nativeOrder());
        } finally {
            leave();
        }
    }

    /** The native address of byte 0 of the mapping (for {@code futex(2)}). */
    public long address() {
        return address;
    }

    /** The memfd, -1 after {@link #closeFd()}. */
    public int fd() {
        return resources.fd();
    }

    /** The size in bytes. */
    public int size() {
        return size;
    }

    /** Whether {@link #close()} ran in this process. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Throws {@link IllegalStateException} naming {@code what} if this segment is closed in this process: for a
     * thread inside ({@link #enter}) that has woken from a wait, to leave.
     */
    public void checkOpen(String what) {
        if (closed) {
            throw closedException(what);
        }
    }

    private static IllegalStateException closedException(String what) {
        return new IllegalStateException("this " + what + " is closed in this process (pid " + Self.pid() + ")");
    }

    /**
     * Begins a use of the mapping by this thread: it stays mapped until the matching {@link #leave()}, which must
     * follow in a {@code finally}.
     *
     * @throws IllegalStateException naming {@code what} if the segment is closed in this process
     */
    public void enter(String what) {
        users.getAndIncrement();
        if (closed) {
            leave();
            throw closedException(what);
        }
    }

    /**
     * Exports the fd for a child being started ({@link FdExport#export}), while the segment is held open so that a
     * concurrent {@link #close()} cannot close the fd under the export.
     *
     * @return the fd number the child will see
     * @throws NotSerializableException if the segment is closed in this process, or no export scope is open
     */
    public int export(String what) throws NotSerializableException {
        try {
            enter(what);
        } catch (IllegalStateException closed) {
            throw new NotSerializableException("a closed forkj " + what + " cannot be passed to a child");
        }
        try {
            return FdExport.export(resources.fd(), what);
        } finally {
            leave();
        }
    }

    /** Ends a use begun by {@link #enter}; the last one out after a {@link #close()} unmaps and closes the fd. */
    public void leave() {
        if (users.decrementAndGet() == 0 && closed) {
            release();
        }
    }

    /**
     * A futex word of this segment that {@link #close()} wakes, so that a thread of this process asleep on it sees
     * the close at once (sleepers in other processes wake too, find nothing changed and sleep again).
     */
    public synchronized void wakeOnClose(long wordAddress) {
        for (long known : wakeOnClose) {
            if (known == wordAddress) {
                return;
            }
        }
        long[] words = Arrays.copyOf(wakeOnClose, wakeOnClose.length + 1);
        words[words.length - 1] = wordAddress;
        wakeOnClose = words;
    }

    /**
     * Unmaps and closes the fd, once no thread of this process is between {@link #enter} and {@link #leave}; wakes
     * the threads asleep on its words, which then throw {@link IllegalStateException}. Other processes keep their
     * mappings. Idempotent.
     */
    @Override
    public void close() {
        // Counted in before the mark: a user leaving meanwhile must not unmap the words this wakes.
        users.getAndIncrement();
        try {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            for (long word : wakeOnClose) {
                Futex.wake(word, Integer.MAX_VALUE);
            }
        } finally {
            leave();
        }
    }

    private void release() {
        resources.release();
        synchronized (this) {
            viewRoot = null;
        }
    }

    /**
     * The fd and the mapping of one segment, apart from it and holding no buffer, so that the collector can give
     * them back once the segment's buffer is garbage ({@link #run()}, see {@link Release}). The mapping has one hold
     * for the segment's own buffer and one more while a {@link #view} root lives; it is unmapped when both are gone
     * (the explicit {@link #release()} counts as the first). Each part runs once, whichever of {@link #close()} and
     * the collector comes first. In a forked copy of the JVM nothing is registered: there only an explicit close
     * releases, and a segment that gave a view stays mapped until the child exits.
     *
     * <p>Counted, as what waits for the collector: segments not yet released ({@link #OPEN}), and closed segments
     * kept mapped by views ({@link #DEFERRED_MAPPINGS}, {@link #DEFERRED_BYTES}).
     */
    static final class Resources implements Runnable {
        static final Release.Bound OPEN = new Release.Bound(1024);
        static final Release.Bound DEFERRED_MAPPINGS = new Release.Bound(1024);
        static final Release.Bound DEFERRED_BYTES = new Release.Bound(256L << 20);
        private static final Release.Bound[] BOUNDS = {OPEN, DEFERRED_MAPPINGS, DEFERRED_BYTES};

        private final long address;
        private final int size;
        private final AtomicInteger fd;
        /** Counted in {@link #OPEN} (registered with the collector) until released. */
        private boolean collected;
        private final AtomicBoolean released = new AtomicBoolean();
        /** 1 for the segment's buffer, 2 while a view root lives too. */
        private final AtomicInteger holds = new AtomicInteger(1);
        /** Counted in the deferred figures: released while a view root still held the mapping. */
        private final AtomicBoolean deferred = new AtomicBoolean();

        Resources(int fd, long address, int size) {
            this.fd = new AtomicInteger(fd);
            this.address = address;
            this.size = size;
        }

        /** Registers the release for when {@code buffer}, the segment's own, is garbage (not in a forked copy). */
        void collectWith(ByteBuffer buffer) {
            if (!Release.inForkedCopy()) {
                collected = true; // before the registration, which publishes it to the cleaner's thread
                OPEN.add(1);
                Release.whenGarbage(buffer, this);
            }
        }

        /** Before a new segment: a collection first if too many wait for one. */
        static void relieve() {
            Release.relieve(BOUNDS);
        }

        int fd() {
            return fd.get();
        }

        void closeFd() {
            int open = fd.getAndSet(-1);
            if (open >= 0) {
                Native.libc().close(open);
            }
        }

        /** The first view's root now holds the mapping too; the collector drops that hold when the root is garbage. */
        void holdForViews(ByteBuffer root) {
            holds.incrementAndGet();
            Release.whenGarbage(root, this::dropHold);
        }

        /** The collector found the segment's buffer garbage: the segment was dropped without a close. */
        @Override
        public void run() {
            release();
        }

        /** Closes the fd and drops the segment's hold on the mapping; once. */
        void release() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            closeFd();
            if (collected) {
                OPEN.add(-1);
            }
            if (holds.get() > 1 && deferred.compareAndSet(false, true)) {
                DEFERRED_BYTES.add(size);
                DEFERRED_MAPPINGS.add(1);
            }
            dropHold();
        }

        private void dropHold() {
            if (holds.decrementAndGet() == 0) {
                Native.libc().munmap(address, size);
                if (deferred.getAndSet(false)) {
                    DEFERRED_BYTES.add(-size);
                    DEFERRED_MAPPINGS.add(-1);
                }
            }
        }
    }

    /**
     * Closes the fd but keeps the mapping: the memory then lives exactly as long as the mappings, and this
     * process can no longer pass it to children ({@link #fd()} is -1).
     */
    public void closeFd() {
        resources.closeFd();
    }

    @Override
    public String toString() {
        return "SharedSegment[fd " + resources.fd() + ", " + size + " bytes" + (closed ? ", closed]" : "]");
    }
}
