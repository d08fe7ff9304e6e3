package io.forkj.posix.internal.spawn;

import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;

import io.forkj.PosixException;

import java.lang.ProcessBuilder.Redirect;
import java.util.Objects;

/**
 * {@link Redirect}s for forked and spawned children: which ones make sense, and the {@code open(2)} flags
 * each means. Reuses the JDK's type so a redirect reads the same as with {@code ProcessBuilder}.
 */
public final class Redirects {
    /** Linux generic open flags (x86-64 and arm64). */
    private static final int O_RDONLY = LinuxLibC.Flags.O_RDONLY;
    private static final int O_WRONLY = LinuxLibC.Flags.O_WRONLY;
    private static final int O_CREAT = LinuxLibC.Flags.O_CREAT;
    private static final int O_TRUNC = LinuxLibC.Flags.O_TRUNC;
    private static final int O_APPEND = LinuxLibC.Flags.O_APPEND;
    private static final int O_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;
    static final int MODE_0666 = 0666;

    private Redirects() {
    }

    /**
     * Accepts INHERIT and write redirects (DISCARD, to, appendTo) for an output fd.
     *
     * @throws IllegalArgumentException for PIPE (forkj hands out no pipe here) and read redirects
     */
    public static Redirect checkOutput(String stream, Redirect redirect) {
        Objects.requireNonNull(redirect, stream);
        Redirect.Type type = redirect.type();
        if (type == Redirect.Type.INHERIT || type == Redirect.Type.WRITE || type == Redirect.Type.APPEND) {
            return redirect;
        }
        throw new IllegalArgumentException(stream + " redirect " + redirect + " is not supported: use INHERIT, DISCARD, "
                + "Redirect.to(file) or Redirect.appendTo(file)" + (type == Redirect.Type.PIPE
                ? " (no pipe is created; open one with pipe2 and pass its fd)" : ""));
    }

    /**
     * Accepts INHERIT and read redirects ({@code Redirect.from(file)}) for stdin.
     *
     * @throws IllegalArgumentException for PIPE and write redirects
     */
    public static Redirect checkInput(Redirect redirect) {
        Objects.requireNonNull(redirect, "stdin");
        Redirect.Type type = redirect.type();
        if (type == Redirect.Type.INHERIT || type == Redirect.Type.READ) {
            return redirect;
        }
        throw new IllegalArgumentException("stdin redirect " + redirect + " is not supported: use INHERIT or Redirect.from(file)");
    }

    /** True if the child keeps the parent's fd. */
    public static boolean inherits(Redirect redirect) {
        return redirect.type() == Redirect.Type.INHERIT;
    }

    /** The absolute path a non-INHERIT redirect names. */
    static String path(Redirect redirect) {
        return redirect.file().getAbsolutePath();
    }

    /** The {@code open(2)} flags (without O_CLOEXEC) a non-INHERIT redirect means. */
    static int openFlags(Redirect redirect) {
        switch (redirect.type()) {
            case READ:
                return O_RDONLY;
            case WRITE:
                return O_WRONLY | O_CREAT | O_TRUNC;
            case APPEND:
                return O_WRONLY | O_CREAT | O_APPEND;
            default:
                throw new IllegalArgumentException("redirect " + redirect + " names no file");
        }
    }

    /**
     * Opens a non-INHERIT redirect in the parent with {@code O_CLOEXEC}, for a forked child to {@code dup2}.
     *
     * @return the fd, or -1 for INHERIT
     * @throws PosixException if {@code open(2)} fails
     */
    public static int openInParent(Redirect redirect) {
        if (inherits(redirect)) {
            return -1;
        }
        String path = path(redirect);
        int fd = Native.posix().open(path, openFlags(redirect) | O_CLOEXEC, MODE_0666);
        if (fd < 0) {
            throw new PosixException("open(" + path + ")", Native.errno());
        }
        return fd;
    }

    /** Closes an fd from {@link #openInParent}; -1 is ignored. */
    public static void closeInParent(int fd) {
        if (fd >= 0) {
            Native.posix().close(fd);
        }
    }
}
