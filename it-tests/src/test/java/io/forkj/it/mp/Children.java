package io.forkj.it.mp;

import io.forkj.WaitStatus;
import io.forkj.multiprocessing.internal.FdExport;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.Spawn;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Starts children that share forkj objects, the two ways a forkj process can start: FORK (posix-impl's guarded
 * fork: the child inherits the objects and their mappings) and SPAWN (a fresh JVM given the serialized task, its
 * shared objects crossing as fds under {@link FdExport}'s contract, exactly what MpProcess's SPAWN does).
 */
final class Children {
    static final Duration DEADLINE = Duration.ofSeconds(90);

    /** A task for a child: serializable, so it can cross to a SPAWN child with the objects it captures. */
    interface Task extends Serializable {
        void run() throws Exception;
    }

    enum How { FORK, SPAWN }

    private Children() {
    }

    static Child start(How how, Task task) {
        return how == How.FORK ? fork(task) : spawn(task);
    }

    static Child fork(Task task) {
        return Fork.run(ForkOptions.defaults().deadline(DEADLINE), ctx -> task.run());
    }

    static Child spawn(Task task) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int[] fds;
        try (FdExport scope = FdExport.open(); ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(task);
            out.flush();
            fds = scope.fds();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        return Spawn.command(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                        "-cp", System.getProperty("java.class.path"), ChildMain.class.getName(),
                        Base64.getEncoder().encodeToString(bytes.toByteArray()))
                .passFds(fds).exec();
    }

    static List<Child> start(How how, int n, Task task) {
        List<Child> children = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            children.add(start(how, task));
        }
        return children;
    }

    /** Waits for each child (bounded) and returns their exit codes. */
    static List<Integer> exitCodes(List<Child> children) throws InterruptedException {
        List<Integer> codes = new ArrayList<>();
        for (Child child : children) {
            codes.add(exitCode(child));
        }
        return codes;
    }

    /** The exit code; a FORK child that stalled past its deadline (killed and reaped by forkj) gives -1000. */
    static int exitCode(Child child) throws InterruptedException {
        try {
            return waitExitCode(child);
        } catch (io.forkj.posix.ForkStallException stalled) {
            System.err.println(stalled.getMessage());
            return -1000;
        }
    }

    private static int waitExitCode(Child child) throws InterruptedException {
        WaitStatus status = child.waitFor(DEADLINE).orElseGet(() -> {
            child.kill(io.forkj.Signal.SIGKILL);
            try {
                return child.waitFor();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        return status.toExitCode();
    }
}
