package io.forkj.posix.internal.proc;

import io.forkj.PosixException;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * The {@link ProcReader} of a JVM that has not loaded the native binding: {@code java.io}, one stream per file,
 * into one reused array. It allocates a path and a stream per file, which the native reader does not; it exists so
 * that a short-lived command pays nothing to load libraries it would use for nothing else.
 *
 * <p>{@code java.io} gives no errno: a failed open or read is told apart by whether {@code /proc/PID} is still
 * there. Gone: the process was reaped ({@code ENOENT}). Still there: it may not be read ({@code EACCES}: hidepid,
 * ptrace rules), the only other way to fail on the files this reader is asked for.
 */
final class JavaProcReader extends ProcReader {
    private static final int BUFFER = 16 * 1024;

    private final String root;
    private final StringBuilder path = new StringBuilder(64);
    private byte[] bytes = new byte[BUFFER];
    private int lastErrno;

    JavaProcReader(ProcFs procFs) {
        root = procFs.root().toString();
    }

    @Override
    byte[] bytes() {
        return bytes;
    }

    @Override
    int[] pids() {
        String[] names = new File(root).list();
        if (names == null) {
            throw new PosixException("opendir(\"" + root + "\")", EACCES, "cannot list " + root);
        }
        int[] pids = new int[names.length];
        int count = 0;
        for (String name : names) {
            int pid = ProcParser.pidOfEntry(name);
            if (pid > 0) {
                pids[count++] = pid;
            }
        }
        return Arrays.copyOf(pids, count);
    }

    @Override
    int read(int pid, byte[] name) {
        path.setLength(0);
        path.append(root).append('/').append(pid).append('/');
        for (byte b : name) {
            path.append((char) b);
        }
        try (FileInputStream in = new FileInputStream(path.toString())) {
            int total = 0;
            while (true) {
                if (total == bytes.length) {
                    bytes = Arrays.copyOf(bytes, bytes.length * 2);
                }
                int asked = bytes.length - total;
                int n = in.read(bytes, total, asked);
                if (n < 0) {
                    return total;
                }
                total += n;
                // A short read is the end, as for the native reader (see ProcReader.read).
                if (n < asked) {
                    return total;
                }
            }
        } catch (IOException e) {
            boolean gone = !new File(root + "/" + pid).exists();
            lastErrno = gone ? ENOENT : EACCES;
            return gone ? GONE : UNREADABLE;
        }
    }

    @Override
    int lastErrno() {
        return lastErrno;
    }

    @Override
    public void close() {
        // nothing held between reads
    }
}
