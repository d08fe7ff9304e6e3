package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.internal.pool.ParentWatch;
import io.forkj.multiprocessing.internal.pool.SpawnLauncher;

import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The entry point of a manager's server process: {@code ManagerServerMain <controlFd> <readyFd>}. Reads the authkey
 * from the control pipe, listens on a unix socket in a new private directory (mode 0700), writes the socket's path
 * to the ready pipe, and serves until the control pipe reaches end of file: the owner closed the manager, or died.
 */
public final class ManagerServerMain {
    private ManagerServerMain() {
    }

    /** Runs the server. */
    public static void main(String[] args) throws Exception {
        ParentWatch.start();
        FileInputStream control = new FileInputStream(SpawnLauncher.procFd(Integer.parseInt(args[0])));
        byte[] authkey = new byte[32];
        new DataInputStream(control).readFully(authkey);
        Path dir = Files.createTempDirectory("forkj-manager-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = dir.resolve("listener");
        ManagerServer server = new ManagerServer(socket, authkey);
        try (OutputStream ready = new FileOutputStream(SpawnLauncher.procFd(Integer.parseInt(args[1])))) {
            ready.write((socket + "\n").getBytes(StandardCharsets.UTF_8));
        }
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
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
