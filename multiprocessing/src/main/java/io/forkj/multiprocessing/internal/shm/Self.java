package io.forkj.multiprocessing.internal.shm;

import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.libc.LinuxLibC;
import com.kenai.jffi.MemoryIO;
import io.forkj.posix.internal.libc.Native;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * This process's pid and start time, read on every lock acquisition, so they must cost a memory read and stay
 * right in FORK children (where a cached {@code static final} pid would be the parent's). They live in a private
 * anonymous page marked {@code MADV_WIPEONFORK} (Linux 4.14): a forked child sees the page zeroed and reloads
 * them on first use. Without that advice (older kernels) every call asks {@code getpid(2)}.
 */
public final class Self {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_WIPEONFORK = 18;
    private static final int PAGE = 4096;
    private static final int O_RDONLY_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;
    /** The kernel's /proc/self/stat as a C string in memory a forked child keeps (not wiped): no String conversion there. */
    private static final ByteBuffer STAT_PATH = cString(ProcFs.self("stat").toString());
    private static final long STAT_PATH_ADDRESS = MemoryIO.getInstance().getDirectBufferAddress(STAT_PATH);
    private static final byte[] STAT_LINE = new byte[1024];
    private static final ByteBuffer IDENTITY = identityPage();

    private Self() {
    }

    private static ByteBuffer identityPage() {
        long address = Mmap.mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (address == -1) {
            return null;
        }
        if (Native.libc().madvise(address, PAGE, MADV_WIPEONFORK) != 0) {
            Native.libc().munmap(address, PAGE);
            return null;
        }
        ByteBuffer page = MemoryIO.getInstance().newDirectByteBuffer(address, PAGE).order(ByteOrder.nativeOrder());
        reload(page);
        return page;
    }

    /** This process's pid. */
    public static int pid() {
        ByteBuffer page = IDENTITY;
        if (page == null) {
            return Native.libc().getpid();
        }
        int pid = (int) Words.INT.getAcquire(page, 0);
        return pid != 0 ? pid : reload(page);
    }

    /** This process's start time ({@code /proc/self/stat} field 22, clock ticks after boot). */
    public static long startTime() {
        ByteBuffer page = IDENTITY;
        if (page == null) {
            return ownStartTime();
        }
        if ((int) Words.INT.getAcquire(page, 0) == 0) {
            reload(page);
        }
        return (long) Words.LONG.getAcquire(page, 8);
    }

    /**
     * Reads {@code /proc/self/stat} with plain {@code open}/{@code read} into a preallocated array: this runs
     * first in a forked child, which must allocate next to nothing and run only code the parent ran.
     */
    private static synchronized int reload(ByteBuffer page) {
        int pid = Native.libc().getpid();
        long start = ownStartTime();
        Words.LONG.setRelease(page, 8, start);
        Words.INT.setRelease(page, 0, pid);
        return pid;
    }

    private static synchronized long ownStartTime() {
        int fd = Native.libc().open(STAT_PATH_ADDRESS, O_RDONLY_CLOEXEC, 0);
        if (fd < 0) {
            return 0;
        }
        long n;
        try {
            n = Native.libc().read(fd, STAT_LINE, STAT_LINE.length);
        } finally {
            Native.libc().close(fd);
        }
        int end = (int) n;
        int i = end - 1;
        while (i >= 0 && STAT_LINE[i] != ')') {
            i--;
        }
        // After "comm)": field 3 (state) is the first; the start time is field 22.
        int field = 2;
        long value = 0;
        for (i = i + 1; i < end; i++) {
            byte b = STAT_LINE[i];
            if (b == ' ') {
                if (field == 22) {
                    return value;
                }
                field++;
                value = 0;
            } else if (field == 22) {
                value = value * 10 + (b - '0');
            }
        }
        return field == 22 ? value : 0;
    }

    private static ByteBuffer cString(String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length + 1);
        buffer.put(bytes).put((byte) 0);
        return buffer;
    }
}
