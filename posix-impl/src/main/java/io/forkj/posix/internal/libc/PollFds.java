package io.forkj.posix.internal.libc;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * {@code struct pollfd} arrays for {@link LinuxLibC#poll}: {@code int fd; short events; short revents;}, 8 bytes,
 * the same on x86-64 and arm64. The one place that lays them out.
 */
public final class PollFds {
    /** {@code sizeof(struct pollfd)}. */
    public static final int SIZE = 8;
    /** {@code POLLIN}: data to read, or end of file, or (on a pidfd) the process exited. */
    public static final short POLLIN = 0x1;
    /** {@code POLLOUT}: room to write. */
    public static final short POLLOUT = 0x4;
    private static final int EVENTS = 4;
    private static final int REVENTS = 6;
    private static final com.kenai.jffi.MemoryIO MEMORY = com.kenai.jffi.MemoryIO.getInstance();

    private PollFds() {
    }

    /**
     * Each thread's one reusable {@code pollfd}, for a call that polls one fd and returns: a jnr-ffi allocation per
     * call is an object with a finalizer to register and run.
     */
    private static final ThreadLocal<Pointer> MINE = ThreadLocal.withInitial(() -> of(new int[] {-1}, 1, (short) 0));

    /** One {@code pollfd} waiting for {@code events} on {@code fd}, in memory of its own. */
    public static Pointer one(int fd, short events) {
        return of(new int[] {fd}, 1, events);
    }

    /**
     * This thread's reusable {@code pollfd}, set to wait for {@code events} on {@code fd}: valid until this thread
     * next calls it, so only for a poll that ends before the caller returns.
     */
    public static Pointer thisThreads(int fd, short events) {
        Pointer p = MINE.get();
        put(p.address(), fd, events);
        return p;
    }

    /** The first {@code count} of {@code fds}, each waiting for {@code events}. */
    public static Pointer of(int[] fds, int count, short events) {
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), Math.max(1, count) * SIZE, true);
        for (int i = 0; i < count; i++) {
            p.putInt((long) i * SIZE, fds[i]);
            p.putShort((long) i * SIZE + EVENTS, events);
        }
        return p;
    }

    /**
     * Writes one {@code pollfd} ({@code fd}, {@code events}, {@code revents} 0) at {@code address}, memory the
     * caller allocated: for code that polls in a forked JVM child from a buffer made before the fork, which must
     * not allocate. The caller runs it once in the parent first, so this class is initialized there.
     */
    public static void put(long address, int fd, short events) {
        MEMORY.putInt(address, fd);
        MEMORY.putShort(address + EVENTS, events);
        MEMORY.putShort(address + REVENTS, (short) 0);
    }

    /** {@code revents} of entry {@code i} of the array at {@code address}, memory the caller allocated. */
    public static short revents(long address, int i) {
        return MEMORY.getShort(address + (long) i * SIZE + REVENTS);
    }

    /** Clears every {@code revents} of the array at {@code address} before the next poll. */
    public static void clearRevents(long address, int count) {
        for (int i = 0; i < count; i++) {
            MEMORY.putShort(address + (long) i * SIZE + REVENTS, (short) 0);
        }
    }

    /** Clears every {@code revents} before the next poll. */
    public static void clearRevents(Pointer pollfds, int count) {
        clearRevents(pollfds.address(), count);
    }
}
