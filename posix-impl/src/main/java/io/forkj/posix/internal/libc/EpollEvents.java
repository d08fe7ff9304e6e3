package io.forkj.posix.internal.libc;

import io.forkj.Errno;
import io.forkj.PosixException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * {@code epoll(7)} for the exit watcher: an instance, its interest list keyed by a 64-bit token, and arrays of
 * {@code struct epoll_event} ({@code uint32_t events; uint64_t data;}). The one place that lays them out: the
 * struct is packed on x86-64 (12 bytes, data at offset 4) and naturally aligned elsewhere (16 bytes, data at 8).
 */
public final class EpollEvents {
    /** {@code EPOLLIN}: on a pidfd, the process has exited. */
    private static final int EPOLLIN = 0x1;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final boolean PACKED = "amd64".equals(System.getProperty("os.arch"))
            || "x86_64".equals(System.getProperty("os.arch"));
    private static final int SIZE = PACKED ? 12 : 16;
    private static final int DATA = PACKED ? 4 : 8;

    /** Each thread's {@code struct epoll_event} for {@link #add}: the kernel copies it during the call. */
    private static final ThreadLocal<Pointer> ADDED = ThreadLocal.withInitial(
            () -> Memory.allocateDirect(Runtime.getSystemRuntime(), SIZE, true));

    private final Pointer events;
    private final int capacity;

    private EpollEvents(int capacity) {
        this.capacity = capacity;
        this.events = Memory.allocateDirect(Runtime.getSystemRuntime(), (long) capacity * SIZE, true);
    }

    /** Room for {@code capacity} ready events per {@link #await}. */
    public static EpollEvents ofCapacity(int capacity) {
        return new EpollEvents(capacity);
    }

    /** {@code epoll_create1(EPOLL_CLOEXEC)}. */
    public static int create() {
        int epfd = Native.libc().epoll_create1(LinuxLibC.Flags.O_CLOEXEC);
        if (epfd < 0) {
            throw new PosixException("epoll_create1(EPOLL_CLOEXEC)", Native.errno());
        }
        return epfd;
    }

    /** {@code epoll_ctl(EPOLL_CTL_ADD)} of {@code fd} for {@code EPOLLIN}, reported with {@code token}: 0, or the errno. */
    public static int add(int epfd, int fd, long token) {
        Pointer event = ADDED.get();
        event.putInt(0, EPOLLIN);
        event.putLong(DATA, token);
        return Native.libc().epoll_ctl(epfd, EPOLL_CTL_ADD, fd, event) == 0 ? 0 : Native.errno();
    }

    /** {@code epoll_ctl(EPOLL_CTL_DEL)} of {@code fd}: 0, or the errno. */
    public static int delete(int epfd, int fd) {
        return Native.libc().epoll_ctl(epfd, EPOLL_CTL_DEL, fd, null) == 0 ? 0 : Native.errno();
    }

    /**
     * {@code epoll_wait(2)} into this array, at most {@code timeoutMillis} (-1: no limit).
     *
     * @return how many events are ready (0 on a timeout or EINTR)
     * @throws PosixException for any other errno
     */
    public int await(int epfd, int timeoutMillis) {
        int n = Native.libc().epoll_wait(epfd, events, capacity, timeoutMillis);
        if (n >= 0) {
            return n;
        }
        int errno = Native.errno();
        if (errno == Errno.EINTR.number()) {
            return 0;
        }
        throw new PosixException("epoll_wait(" + epfd + ", " + capacity + " events)", errno);
    }

    /** The token of ready event {@code i}. */
    public long token(int i) {
        return events.getLong((long) i * SIZE + DATA);
    }
}
