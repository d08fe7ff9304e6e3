package io.forkj.multiprocessing.internal.pool;

import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.posix.Child;
import io.forkj.posix.Spawn;
import io.forkj.posix.internal.Native;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a worker as a fresh JVM (the SPAWN start method) running {@link WorkerMain} with the same class path,
 * its task pipe and result pipe passed as inherited fds. The JVM's own stdout and stderr are the worker's, so a
 * task's prints appear as they do in CPython.
 */
public final class SpawnLauncher implements WorkerLauncher {
    private static final int O_CLOEXEC = 02000000;
    private static volatile List<String> command;

    private final String mainClass;

    /** @param mainClass the class whose {@code main(taskFd, resultFd)} runs in the new JVM */
    public SpawnLauncher(String mainClass) {
        this.mainClass = mainClass;
    }

    /** A launcher of pool workers. */
    public static SpawnLauncher poolWorkers() {
        return new SpawnLauncher(WorkerMain.class.getName());
    }

    @Override
    public Link launch() throws IOException {
        int[] tasks = pipe();
        int[] results;
        try {
            results = pipe();
        } catch (IOException e) {
            closeQuietly(tasks);
            throw e;
        }
        try {
            List<String> argv = new ArrayList<>(javaCommand());
            argv.add(mainClass);
            argv.add(Integer.toString(tasks[0]));
            argv.add(Integer.toString(results[1]));
            Child child = Spawn.command(argv).passFds(tasks[0], results[1]).exec();
            OutputStream toWorker = new FileOutputStream(procFd(tasks[1]));
            InputStream fromWorker = new FileInputStream(procFd(results[0]));
            return new ChildLink(child, toWorker, fromWorker);
        } catch (PosixException e) {
            throw new IOException("could not start a worker JVM: " + e.getMessage(), e);
        } finally {
            closeQuietly(tasks);
            closeQuietly(results);
        }
    }

    /** The java command of this JVM: same binary, class path, and the options a child needs to behave alike. */
    public static List<String> javaCommand() {
        List<String> c = command;
        if (c == null) {
            c = new ArrayList<>();
            c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")
                        || arg.startsWith("--enable-native-access") || arg.startsWith("--sun-misc-unsafe")
                        || arg.startsWith("-Djava.library.path") || arg.startsWith("-Dforkj.")) {
                    c.add(arg);
                }
            }
            c.add("-Xshare:auto");
            c.add("-XX:+UseSerialGC");
            c.add("-XX:-UsePerfData");
            c.add("-cp");
            c.add(System.getProperty("java.class.path"));
            c = List.copyOf(c);
            command = c;
        }
        return c;
    }

    /** An inherited fd as a path this process (or a child) can open again: works for pipes. */
    public static String procFd(int fd) {
        return "/proc/self/fd/" + fd;
    }

    private static int[] pipe() throws IOException {
        int[] fds = new int[2];
        if (Native.libc().pipe2(fds, O_CLOEXEC) != 0) {
            throw new IOException(new PosixException("pipe2", Native.errno()).getMessage());
        }
        return fds;
    }

    private static void closeQuietly(int[] fds) {
        for (int fd : fds) {
            Native.libc().close(fd);
        }
    }

    /** A spawned child with its two pipes. */
    static final class ChildLink implements Link {
        private final Child child;
        private final OutputStream tasks;
        private final InputStream results;

        ChildLink(Child child, OutputStream tasks, InputStream results) {
            this.child = child;
            this.tasks = tasks;
            this.results = results;
        }

        @Override
        public int pid() {
            return child.pid();
        }

        @Override
        public OutputStream tasks() {
            return tasks;
        }

        @Override
        public InputStream results() {
            return results;
        }

        @Override
        public int awaitExit() throws InterruptedException {
            return child.waitFor().toExitCode();
        }

        @Override
        public void terminate(long graceMillis) {
            if (!signal(Signal.SIGTERM)) {
                return;
            }
            try {
                if (child.waitFor(Duration.ofMillis(graceMillis)).isEmpty()) {
                    signal(Signal.SIGKILL);
                }
            } catch (InterruptedException e) {
                signal(Signal.SIGKILL);
                Thread.currentThread().interrupt();
            }
        }

        private boolean signal(Signal s) {
            try {
                child.kill(s);
                return true;
            } catch (IllegalStateException | PosixException alreadyGone) {
                return false;
            }
        }

        @Override
        public boolean exited() {
            return child.exitStatus().isPresent();
        }
    }
}
