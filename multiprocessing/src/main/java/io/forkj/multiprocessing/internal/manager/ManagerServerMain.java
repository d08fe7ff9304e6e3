package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.internal.pool.ParentWatch;
import io.forkj.multiprocessing.internal.pool.PipeEnd;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/**
 * The body of a manager's server process: reads the authkey and the transit lease from the control pipe, listens on a unix socket in a
 * new private directory (mode 0700), writes the socket's path to the ready pipe, and serves until the control pipe
 * reaches end of file: the owner closed the manager, or died.
 */
public final class ManagerServerMain {
    private ManagerServerMain() {
    }

    /**
     * Runs the server on {@code [control read end, ready write end]}; returns when the owner is gone. The owner
     * writes the 32-byte authkey, then the transit lease in milliseconds as a big-endian long.
     */
    public static void run(PipeEnd[] ends) throws IOException {
        InputStream control = ends[0].openInput();
        byte[] authkey = new byte[32];
        DataInputStream settings = new DataInputStream(control);
        settings.readFully(authkey);
        Duration transitLease = Duration.ofMillis(settings.readLong());
        Path dir = Files.createTempDirectory("forkj-manager-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = dir.resolve("listener");
        ParentWatch.start(() -> removeQuietly(socket, dir));
        ManagerServer server = new ManagerServer(socket, authkey, transitLease);
        try (OutputStream ready = ends[1].openOutput()) {
            ready.write((socket + "\n").getBytes(StandardCharsets.UTF_8));
        }
        // The inherited fds are not closed here: that would load the native binding, seconds of start-up under
        // load, for nothing (they close when the server exits).
        Thread serving = new Thread(server::serve, "forkj-manager-accept");
        serving.setDaemon(true);
        serving.start();
        try {
            while (control.read() >= 0) {
                // the owner never writes more; end of file is the signal
            }
        } catch (IOException ownerGone) {
            // same as end of file
        }
        server.close();
        removeQuietly(socket, dir);
        System.out.flush();
    }

    private static void removeQuietly(Path socket, Path dir) {
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // the owner removes them too
        }
    }
}
