package io.forkj.posix.internal.libc;

import jnr.constants.platform.Errno;
import jnr.ffi.LastError;
import jnr.ffi.Runtime;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.POSIXHandler;

import java.io.File;
import java.io.InputStream;
import java.io.PrintStream;

/**
 * The process-wide native bindings: jnr-posix's {@link POSIX}, forkj's {@link LinuxLibC} and {@link SocketLibC}. Loaded once;
 * every class that calls libc goes through here, so errno is read in one way.
 *
 * <p>jnr-posix is loaded on first use of {@link #posix()}, not with {@link #libc()}: it adds 100–130 ms to a JVM's
 * first native call (5 fresh JVMs: 165–210 ms for {@code LinuxLibC} alone, 277–320 ms for both), and queues,
 * locks and shared memory need only {@code LinuxLibC}. Every fork path goes through {@code posix()} first
 * ({@code NativePosix}, the guarded fork's warm-up), so no forked child is the first to load it.
 */
public final class Native {
    private static final LinuxLibC LIBC = LinuxLibC.load();
    private static final Runtime RUNTIME = Runtime.getSystemRuntime();

    static {
        BindingState.markLoaded();
    }

    private Native() {
    }

    /** jnr-posix's native POSIX, with a handler that never throws, so callers decide from errno. */
    public static POSIX posix() {
        return JnrPosix.POSIX;
    }

    /** Holds jnr-posix until it is first asked for. */
    private static final class JnrPosix {
        static final POSIX POSIX = POSIXFactory.getNativePOSIX(new SilentHandler());
    }

    /** The calls jnr-posix lacks. */
    public static LinuxLibC libc() {
        return LIBC;
    }

    /** The socket calls of listeners and clients, loaded on first use. */
    public static SocketLibC sockets() {
        return Sockets.LIBC;
    }

    /** Holds the socket binding until it is first asked for. */
    private static final class Sockets {
        static final SocketLibC LIBC = SocketLibC.load();
    }

    /** errno saved by the last native call on this thread (jnr keeps it per thread). */
    public static int errno() {
        return LastError.getLastError(RUNTIME);
    }

    /**
     * jnr-posix reports some failures through its handler; forkj reads errno itself, so this handler
     * records nothing and throws nothing.
     */
    private static final class SilentHandler implements POSIXHandler {
        @Override
        public void error(Errno error, String extraData) {
        }

        @Override
        public void error(Errno error, String methodName, String extraData) {
        }

        @Override
        public void unimplementedError(String methodName) {
            throw new UnsupportedOperationException(methodName + " is not implemented by jnr-posix on this platform");
        }

        @Override
        public void warn(WARNING_ID id, String message, Object... data) {
        }

        @Override
        public boolean isVerbose() {
            return false;
        }

        @Override
        public File getCurrentWorkingDirectory() {
            return new File(System.getProperty("user.dir"));
        }

        @Override
        public String[] getEnv() {
            return CStrings.environment(System.getenv()).toArray(new String[0]);
        }

        @Override
        public InputStream getInputStream() {
            return System.in;
        }

        @Override
        public PrintStream getOutputStream() {
            return System.out;
        }

        @Override
        public int getPID() {
            return (int) ProcessHandle.current().pid();
        }

        @Override
        public PrintStream getErrorStream() {
            return System.err;
        }
    }
}
