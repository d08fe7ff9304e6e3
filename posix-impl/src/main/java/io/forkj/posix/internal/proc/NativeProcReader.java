package io.forkj.posix.internal.proc;

import io.forkj.PosixException;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The {@link ProcReader} of a JVM that has loaded the native binding: one open descriptor of the root
 * ({@link ProcFs}), {@code openat} relative to it, one direct buffer reused for every read, and {@code getdents64}
 * for the pid list. A whole scan so allocates nothing per file (no Path, no stream, no channel).
 */
final class NativeProcReader extends ProcReader {
    private int lastErrno;

    private static final int AT_FDCWD = -100;
    private static final int O_RDONLY_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;
    private static final int BUFFER = 16 * 1024;
    private static final Runtime RUNTIME = Runtime.getSystemRuntime();

    private final LinuxLibC libc = Native.libc();
    private final Pointer path = Memory.allocateDirect(RUNTIME, 64);
    private final Pointer buffer = Memory.allocateDirect(RUNTIME, BUFFER);
    private final byte[] pathBytes = new byte[64];
    private byte[] bytes = new byte[BUFFER];
    private final int procFd;
    private final String root;

    NativeProcReader(ProcFs procFs) {
        root = procFs.root().toString();
        byte[] rootPath = (root + "\0").getBytes(StandardCharsets.UTF_8);
        // The path buffer serves unless a fixture root is longer: /proc itself costs no extra allocation.
        Pointer rootPointer = rootPath.length <= pathBytes.length ? path : Memory.allocateDirect(RUNTIME, rootPath.length);
        rootPointer.put(0, rootPath, 0, rootPath.length);
        procFd = libc.openat(AT_FDCWD, rootPointer, O_RDONLY_CLOEXEC);
        if (procFd < 0) {
            throw new PosixException("open(\"" + root + "\")", Native.errno());
        }
    }

    @Override
    byte[] bytes() {
        return bytes;
    }

    @Override
    int[] pids() {
        int[] pids = new int[1024];
        int count = 0;
        while (true) {
            long n = libc.getdents64(procFd, buffer, BUFFER);
            if (n < 0) {
                throw new PosixException("getdents64(" + root + ")", Native.errno());
            }
            if (n == 0) {
                return Arrays.copyOf(pids, count);
            }
            buffer.get(0, bytes, 0, (int) n);
            // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
            for (int off = 0; off < n; ) {
                int reclen = (bytes[off + 16] & 0xff) | (bytes[off + 17] & 0xff) << 8;
                int pid = 0;
                int i = off + 19;
                while (bytes[i] >= '0' && bytes[i] <= '9') {
                    pid = pid * 10 + bytes[i++] - '0';
                }
                if (bytes[i] == 0 && i > off + 19) {
                    if (count == pids.length) {
                        pids = Arrays.copyOf(pids, count * 2);
                    }
                    pids[count++] = pid;
                }
                off += reclen;
            }
        }
    }

    @Override
    int read(int pid, byte[] name) {
        // "PID/name\0" relative to the /proc descriptor, written digit by digit: no String for the path.
        int digits = 1;
        for (int v = pid; v >= 10; v /= 10) {
            digits++;
        }
        for (int v = pid, i = digits - 1; i >= 0; i--, v /= 10) {
            pathBytes[i] = (byte) ('0' + v % 10);
        }
        int len = digits;
        pathBytes[len++] = '/';
        System.arraycopy(name, 0, pathBytes, len, name.length);
        len += name.length;
        pathBytes[len++] = 0;
        path.put(0, pathBytes, 0, len);
        int fd = libc.openat(procFd, path, O_RDONLY_CLOEXEC);
        if (fd < 0) {
            return failure(Native.errno());
        }
        try {
            int total = 0;
            while (true) {
                long n = libc.read(fd, buffer, BUFFER);
                if (n < 0) {
                    return failure(Native.errno());
                }
                if (total + n > bytes.length) {
                    bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, total + (int) n));
                }
                buffer.get(0, bytes, total, (int) n);
                total += (int) n;
                // The files this reader is for hand out all they have in one read when the buffer is large
                // enough, so a short read is the end: no second read just to see 0 (see ProcReader.read).
                if (n < BUFFER) {
                    return total;
                }
            }
        } finally {
            libc.close(fd);
        }
    }

    private int failure(int errno) {
        lastErrno = errno;
        return errno == ENOENT || errno == ESRCH ? GONE : UNREADABLE;
    }

    @Override
    int lastErrno() {
        return lastErrno;
    }

    @Override
    public void close() {
        libc.close(procFd);
    }
}
