package io.forkj.multiprocessing;

import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.PosixException;
import io.forkj.multiprocessing.internal.ChildMain;
import io.forkj.multiprocessing.internal.FdPassing;
import io.forkj.multiprocessing.internal.JvmCommand;
import io.forkj.multiprocessing.internal.Payload;
import io.forkj.posix.internal.fork.Starter;
import io.forkj.posix.Child;
import io.forkj.posix.Spawn;
import io.forkj.posix.internal.libc.Native;

import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.lang.ref.Reference;

/**
 * The SPAWN start method: a fresh JVM ({@link JvmCommand}) whose stdin is a pipe carrying the serialized process
 * object ({@link Payload}), with the exported fds passed under their own numbers; CPython's {@code spawn} with
 * pickle over a pipe. The child's stdin is at end-of-file once it has read its frame, as a Python child's is
 * {@code /dev/null}.
 */
final class SpawnStart {
    private static final int O_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;

    private SpawnStart() {
    }

    static Child spawn(MpProcess process) {
        Payload payload = Payload.of(process, process.name());
        int[] pipe = new int[2];
        if (Native.libc().pipe2(pipe, O_CLOEXEC) != 0) {
            throw new PosixException("pipe2(O_CLOEXEC)", Native.errno());
        }
        try {
            // glibc's posix_spawn opens /proc/self/fd/N in the child, where N is still the inherited read end.
            Spawn spawn = Spawn.command(JvmCommand.child(ChildMain.MODE_SPAWN, Integer.toString(Native.posix().getpid()),
                            Registry.get().current().name(), process.daemon() ? "daemon" : "-"))
                    .stdin(Redirect.from(new File(ProcFs.selfFd(pipe[0]))))
                    .passFds(payload.fds());
            Child child = process.daemon() ? Starter.call(spawn::exec) : spawn.exec();
            // The exported fds are inherited now; until here the objects owning them must not be garbage (a dropped
            // one's fd is closed by the collector, SharedSegment.Resources), and the process object holds them all.
            Reference.reachabilityFence(process);
            Native.posix().close(pipe[0]);
            pipe[0] = -1;
            try {
                FdPassing.writeAll(pipe[1], payload.frame(), 0);
            } catch (PosixException childGone) {
                // EPIPE: the JVM died before reading its task; its exit code and stderr say why.
            }
            return child;
        } finally {
            if (pipe[0] >= 0) {
                Native.posix().close(pipe[0]);
            }
            Native.posix().close(pipe[1]);
        }
    }
}
