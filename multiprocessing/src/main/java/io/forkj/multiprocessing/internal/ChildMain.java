package io.forkj.multiprocessing.internal;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The main class of a SPAWN or standby child JVM: CPython's {@code spawn_main}. It reads the serialized process
 * object (and, in a standby JVM, the fds that come with it), makes it the current process and runs it, then
 * exits with Python's exit code through {@code System.exit} (so the child's own shutdown work runs: its daemon
 * children are terminated, its other children joined).
 *
 * <ul>
 *   <li>{@code spawn PARENT_PID PARENT_NAME daemon|-}: the frame comes on stdin (a pipe); exported fds were
 *       inherited under their own numbers. A non-daemon child with no fds loads no native library.</li>
 *   <li>{@code standby SOCKET_FD PARENT_PID PARENT_NAME}: started ahead of time with the parent-death signal
 *       armed; warms the hand-off path, writes one byte 'R' (ready), then waits on the socket for one frame whose
 *       fds arrive with {@code SCM_RIGHTS}. End-of-file instead (the parent closed it or died) ends the JVM with
 *       code 0. After the hand-off a non-daemon child disarms the parent-death signal, as a Python child
 *       outlives a killed parent.</li>
 *   <li>{@code archive}: runs the hand-off path on a sample and exits; the class-data-sharing dump run.</li>
 * </ul>
 */
public final class ChildMain {
    /** First argument of a SPAWN child. */
    public static final String MODE_SPAWN = "spawn";
    /** First argument of a standby JVM. */
    public static final String MODE_STANDBY = "standby";
    /** First argument of the class-data-sharing dump run. */
    public static final String MODE_ARCHIVE = "archive";
    /** The byte a standby JVM writes when it is ready for a hand-off. */
    public static final byte READY = 'R';
    /** Exit code when the child could not read its process object. */
    public static final int EXIT_BAD_FRAME = 1;
    private static final int PR_SET_PDEATHSIG = 1;
    private static final int SIGKILL = 9;

    /** Implemented by the public package, which owns the process object's internals. */
    public interface Entry {
        /** Makes {@code process} current and runs it; returns the exit code. */
        int run(Object process, int parentPid, String parentName);

        /** Whether {@code process} is a daemon process object. */
        boolean isDaemon(Object process);

        /** A process object with an empty target, for warming the hand-off path. */
        Object sample();

        /** Runs what {@link #run} runs around a target once, without making anything current. */
        void warm();
    }

    private ChildMain() {
    }

    /** See the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        int code;
        switch (mode) {
            case MODE_SPAWN:
                code = spawn(Integer.parseInt(args[1]), args[2], "daemon".equals(args[3]));
                break;
            case MODE_STANDBY:
                code = standby(Integer.parseInt(args[1]), Integer.parseInt(args[2]), args[3]);
                break;
            case MODE_ARCHIVE:
                warm();
                code = 0;
                break;
            default:
                System.err.println("forkj ChildMain: unknown mode '" + mode + "'; it is started by forkj's"
                        + " multiprocessing, not by hand");
                code = 2;
        }
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    private static int spawn(int parentPid, String parentName, boolean daemon) {
        if (daemon) {
            io.forkj.signals.ParentDeath.arm(parentPid, io.forkj.Signal.SIGKILL);
        }
        Object process;
        try {
            InputStream in = new FileInputStream(FileDescriptor.in);
            Payload.Header header = Payload.readHeader(in);
            process = Payload.readBody(in, header.length);
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            System.err.println("forkj child: cannot read its process object from the parent: " + e);
            return EXIT_BAD_FRAME;
        }
        return entry().run(process, parentPid, parentName);
    }

    private static int standby(int socket, int parentPid, String parentName) throws IOException {
        io.forkj.signals.ParentDeath.arm(parentPid, io.forkj.Signal.SIGKILL);
        warm();
        FdPassing.writeAll(socket, new byte[] {READY}, 0);
        Task task;
        try {
            task = receiveTask(socket);
        } catch (EOFException closed) {
            return 0;
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            System.err.println("forkj standby child: cannot read its process object from the parent: " + e);
            return EXIT_BAD_FRAME;
        }
        io.forkj.posix.internal.libc.Native.posix().close(socket);
        if (!task.daemon) {
            io.forkj.posix.internal.libc.Native.libc().prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        }
        return entry().run(task.process, parentPid, parentName);
    }

    /** A process object as a standby JVM receives it. */
    private record Task(Object process, boolean daemon) {
    }

    /** Receives one frame and the fds that come with it, installs the fds' mapping, and deserializes the task. */
    private static Task receiveTask(int socket) throws IOException, ClassNotFoundException {
        FdPassing.Received first = FdPassing.receive(socket, 8, Payload.MAX_FDS);
        InputStream in = new SequenceInputStream(new ByteArrayInputStream(first.data), FdPassing.input(socket));
        Payload.Header header = Payload.readHeader(in);
        if (header.fds.length != first.fds.length) {
            throw new java.io.StreamCorruptedException("the frame names " + header.fds.length + " fds but "
                    + first.fds.length + " came with it");
        }
        Map<Integer, Integer> imports = new HashMap<>();
        for (int i = 0; i < header.fds.length; i++) {
            imports.put(header.fds[i], first.fds[i]);
        }
        FdExport.installImports(imports);
        Object process = Payload.readBody(in, header.length);
        return new Task(process, entry().isDaemon(process));
    }

    /**
     * Runs the hand-off path on a sample before the JVM says it is ready, so a hand-off loads, links and
     * initializes nothing for the first time: deserialization, the socket receive with its fds (jnr-posix's
     * message headers, whose first use also starts java.util.logging, ~13 ms), and the run's bookkeeping
     * ({@code ProcessHandle}'s first use spins lambdas). Before, that work ran after READY, beside the task.
     */
    private static void warm() {
        Entry e = entry();
        warmReceive(e);
        e.warm();
    }

    /**
     * One fd, then a sample frame three times, through a socket pair of this JVM, received by the same
     * {@link #receiveTask} as a real hand-off.
     */
    private static void warmReceive(Entry e) {
        int[] pair = FdPassing.socketPair();
        try {
            FdPassing.send(pair[0], new byte[] {0}, new int[] {pair[0]});
            for (int fd : FdPassing.receive(pair[1], 1, Payload.MAX_FDS).fds) {
                io.forkj.posix.internal.libc.Native.posix().close(fd);
            }
            for (int i = 0; i < 3; i++) {
                Payload p = Payload.of(e.sample(), "warm-up");
                FdPassing.send(pair[0], p.header(), p.fds());
                FdPassing.writeAll(pair[0], p.body(), 0);
                receiveTask(pair[1]);
            }
        } catch (IOException | ClassNotFoundException impossible) {
            throw new IllegalStateException("forkj child warm-up failed", impossible);
        } finally {
            io.forkj.posix.internal.libc.Native.posix().close(pair[0]);
            io.forkj.posix.internal.libc.Native.posix().close(pair[1]);
        }
    }

    private static Entry entry() {
        try {
            java.lang.reflect.Field f = Class.forName("io.forkj.multiprocessing.ChildBoot").getDeclaredField("INSTANCE");
            f.setAccessible(true);
            return (Entry) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("forkj multiprocessing is not on the child's class path", e);
        }
    }
}
