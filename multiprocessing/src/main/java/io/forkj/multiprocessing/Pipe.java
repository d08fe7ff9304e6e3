package io.forkj.multiprocessing;

import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.multiprocessing.internal.Release;
import io.forkj.posix.internal.libc.Native;

/**
 * Python's {@code multiprocessing.Pipe(duplex=True)}: a pair of connected {@link Connection}s.
 *
 * <pre>{@code
 * Pipe pipe = Pipe.pipe();                 // conn1, conn2 = Pipe()
 * pipe.conn1().send("hello");              // conn1.send("hello")
 * String s = (String) pipe.conn2().recv(); // conn2.recv()
 * }</pre>
 *
 * <p>Duplex: both ends send and receive, over {@code socketpair(AF_UNIX, SOCK_STREAM)}. Simplex
 * ({@code pipe(false)}): over {@code pipe2(2)}; {@link #conn1()} can only receive and {@link #conn2()} can only
 * send, as in Python. Both fds are created close-on-exec ({@code SOCK_CLOEXEC}/{@code O_CLOEXEC}): a program
 * started with exec gets them only when they are passed explicitly, and a forkj SPAWN child only when a
 * connection is one of its arguments. FORK children inherit both ends; close the end a process does not use, or
 * the other end never sees end of file.
 */
public final class Pipe implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;

    private final Connection conn1;
    private final Connection conn2;
    private final boolean duplex;

    private Pipe(Connection conn1, Connection conn2, boolean duplex) {
        this.conn1 = conn1;
        this.conn2 = conn2;
        this.duplex = duplex;
    }

    /** A duplex pipe: Python's {@code Pipe()}. */
    public static Pipe pipe() {
        return pipe(true);
    }

    /**
     * A pipe: Python's {@code Pipe(duplex)}.
     *
     * @param duplex true for two ends that both send and receive (a unix socket pair); false for a kernel pipe
     *               whose {@link #conn1()} only receives and {@link #conn2()} only sends
     * @throws PosixException if the kernel refuses ({@code EMFILE}: too many open fds)
     */
    public static Pipe pipe(boolean duplex) {
        int[] fds = new int[2];
        Connection.relieve();
        if (duplex) {
            if (!socketPair(fds) && !(Release.collectAfter(Native.errno(), Errno.EMFILE, Errno.ENFILE) && socketPair(fds))) {
                throw new PosixException("socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)", Native.errno());
            }
            return new Pipe(new Connection(fds[0], true, true), new Connection(fds[1], true, true), true);
        }
        if (!kernelPipe(fds) && !(Release.collectAfter(Native.errno(), Errno.EMFILE, Errno.ENFILE) && kernelPipe(fds))) {
            throw new PosixException("pipe2(O_CLOEXEC)", Native.errno());
        }
        return new Pipe(new Connection(fds[0], true, false), new Connection(fds[1], false, true), false);
    }

    private static boolean socketPair(int[] fds) {
        return Native.libc().socketpair(AF_UNIX, SOCK_STREAM | CLOEXEC, 0, fds) == 0;
    }

    private static boolean kernelPipe(int[] fds) {
        return Native.libc().pipe2(fds, CLOEXEC) == 0;
    }

    /** The first end (Python's {@code conn1}); receive-only for a simplex pipe. */
    public Connection conn1() {
        return conn1;
    }

    /** The second end (Python's {@code conn2}); send-only for a simplex pipe. */
    public Connection conn2() {
        return conn2;
    }

    /** Whether both ends send and receive. */
    public boolean duplex() {
        return duplex;
    }

    /** Closes both ends (those still open): {@code conn1.close(); conn2.close()}. */
    @Override
    public void close() {
        try {
            conn1.close();
        } finally {
            conn2.close();
        }
    }

    @Override
    public String toString() {
        return "Pipe[" + (duplex ? "duplex" : "simplex") + ", " + conn1 + ", " + conn2 + "]";
    }
}
