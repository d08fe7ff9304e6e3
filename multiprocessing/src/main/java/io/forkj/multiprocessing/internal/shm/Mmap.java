package io.forkj.multiprocessing.internal.shm;

import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;

/** {@code mmap(2)} through the raw system call (see {@link io.forkj.posix.internal.libc.LinuxLibC}'s six-argument syscall). */
final class Mmap {
    private Mmap() {
    }

    /** The mapping's address, or -1 with errno set. */
    static long mmap(long address, long length, int protection, int flags, int fd, long offset) {
        long r = Native.libc().syscall(LinuxLibC.Sys.MMAP, address, length, protection, flags, fd, offset);
        return r < 0 && r > -4096 ? -1 : r;
    }
}
