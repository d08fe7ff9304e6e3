package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.internal.pool.ParentWatch;
import io.forkj.multiprocessing.internal.pool.PipeEnd;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/**
 * The body of a manager's server process: reads the authkey, the transit lease and the address to listen at from the
 * control pipe, listens there (by default a unix socket in a new private directory, mode 0700), writes the address
 * clients connect to to the ready pipe, and serves until the control pipe reaches end of file: the owner closed the
 * manager, or died.
 */
public final class ManagerServerMain {
    private ManagerServerMain() {
    }

    /**
     * Runs the server on {@code [control read end, ready write end]}; returns when the owner is gone. The owner
     * writes the authkey's length and bytes, the transit lease in milliseconds as a big-endian long, and the address
     * in {@link ManagerAddress}'s text form ({@code writeUTF}), empty for a private unix directory.
     */
    public static void run(PipeEnd[] ends) throws IOException {
        InputStream control = ends[0].openInput();
        DataInputStream settings = new DataInputStream(control);
        byte[] authkey = new byte[settings.readInt()];
        settings.readFully(authkey);
        Duration transitLease = Duration.ofMillis(settings.readLong());
        String requested = settings.readUTF();
        Path dir = requested.isEmpty() ? Files.createTempDirectory("forkj-manager-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))) : null;
        SocketAddress address = dir != null ? UnixDomainSocketAddress.of(dir.resolve("listener"))
                : ManagerAddress.parse(requested);
        Path socket = ManagerAddress.path(address);
        ParentWatch.start(() -> removeQuietly(socket, dir));
        ManagerServer server = new ManagerServer(address, authkey, transitLease);
        try (OutputStream ready = ends[1].openOutput()) {
            ready.write((ManagerAddress.format(server.socket()) + "\n").getBytes(StandardCharsets.UTF_8));
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

    /** Removes the socket file and the private directory, where there are. */
    private static void removeQuietly(Path socket, Path dir) {
        try {
            if (socket != null) {
                Files.deleteIfExists(socket);
            }
            if (dir != null) {
                Files.deleteIfExists(dir);
            }
        } catch (IOException ignored) {
            // the owner removes them too
        }
    }
}
