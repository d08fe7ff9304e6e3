package io.forkj.multiprocessing.internal.pool;

import io.forkj.posix.internal.libc.BindingState;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.PosixException;
import io.forkj.multiprocessing.internal.FdExport;
import io.forkj.multiprocessing.internal.FdStreams;
import io.forkj.posix.internal.libc.Native;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectStreamException;
import java.io.OutputStream;
import java.io.Serializable;

/**
 * One end of a pipe that a pool worker or a manager's server gets with its target: FORK children inherit it as is;
 * for SPAWN and standby children it is replaced by its fd number under {@link FdExport}'s contract and re-opened
 * from the fd the child received. Streams are opened on a duplicate of the fd ({@link FdStreams}).
 */
public final class PipeEnd implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int O_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;

    private final transient int fd;
    private final transient long inode;

    private PipeEnd(int fd, long inode) {
        this.fd = fd;
        this.inode = inode;
    }

    /**
     * A new pipe (close-on-exec), registered with {@link PoolPipes} so that FORK children close their copies:
     * {@code [read end, write end]}.
     */
    public static PipeEnd[] pipe() throws IOException {
        int[] fds = new int[2];
        long inode;
        synchronized (PoolPipes.FORK_LOCK) {
            if (Native.libc().pipe2(fds, O_CLOEXEC) != 0) {
                throw new IOException(new PosixException("pipe2", Native.errno()).getMessage());
            }
            inode = PoolPipes.register(fds[0]);
        }
        return new PipeEnd[] {new PipeEnd(fds[0], inode), new PipeEnd(fds[1], inode)};
    }

    /** This end's fd number in this process. */
    int fd() {
        return fd;
    }

    /** Takes this pipe out of {@link PoolPipes} once no end of it is open here any more. */
    public void forget() {
        PoolPipes.forget(inode);
    }

    /**
     * Opens a reading stream on this end (a new fd for the same pipe). In a JVM that has the native binding loaded
     * (every FORK child has, and its parent), {@link FdStreams}: a FORK worker's first act must not be a JDK file
     * stream, which registers with the common Cleaner under a monitor the parent may have held at the fork.
     * Elsewhere (a manager's server) a JDK stream on {@code /proc/self/fd/N}, which spares that JVM loading the
     * binding at start-up (ManagerTest took 5-11 s instead of 3-4 s with FdStreams there).
     */
    public InputStream openInput() throws IOException {
        return BindingState.isLoaded() ? FdStreams.input(fd) : new FileInputStream(ProcFs.selfFd(fd));
    }

    /** Opens a writing stream on this end (a new fd for the same pipe), as {@link #openInput()}. */
    public OutputStream openOutput() throws IOException {
        return BindingState.isLoaded() ? FdStreams.output(fd) : new FileOutputStream(ProcFs.selfFd(fd));
    }

    /** Closes this fd in this process (after its stream was opened, or once a child has its copy). */
    public void close() {
        Native.libc().close(fd);
    }

    private Object writeReplace() throws ObjectStreamException {
        return new Exported(FdExport.export(fd, "pipe"));
    }

    /** The serialized form. */
    private static final class Exported implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int fd;

        Exported(int fd) {
            this.fd = fd;
        }

        private Object readResolve() {
            return new PipeEnd(FdExport.imported(fd), 0);
        }
    }
}
