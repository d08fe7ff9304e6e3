package io.forkj.multiprocessing;

import io.forkj.Signal;
import io.forkj.multiprocessing.internal.FdOutputStream;
import io.forkj.multiprocessing.internal.Starter;
import io.forkj.posix.Child;
import io.forkj.posix.ChildBody;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.internal.Native;
import io.forkj.signals.ParentDeath;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The FORK start method: {@link Fork#run} with a body that makes the process object current in the child, gives
 * it fresh {@code System.out}/{@code System.err} streams built in the parent (no lock another thread could have
 * held at fork time), arms the parent-death signal for a daemon, runs the target with Python's exit codes and
 * ends in {@code _exit}. Everything the child path runs is run once in the parent first ({@link #warmUp()}).
 */
final class ForkStart {
    private static final Object WARM_LOCK = new Object();
    private static volatile boolean warm;

    private ForkStart() {
    }

    static Child start(MpProcess process) {
        warmUp();
        int parentPid = Native.posix().getpid();
        MpProcess parentView = new MpProcess(Registry.get().current().name(), parentPid, true);
        Registry prepared = Registry.prepareForkedChild(process, parentView);
        PrintStream out = childStream(1);
        PrintStream err = childStream(2);
        boolean daemon = process.daemon();
        ForkOptions options = ForkOptions.defaults().deadline(process.forkDeadline());
        ChildBody body = ctx -> ctx.exit(childPath(prepared, ctx.getpid(), out, err, daemon, parentPid, true));
        if (daemon) {
            // The parent-death signal follows the thread that forked: fork daemons from a thread that never ends.
            return Starter.call(() -> Fork.run(options, body));
        }
        return Fork.run(options, body);
    }

    /**
     * The child's side, up to its exit code. {@code inChild} false is the parent-side warm-up: same calls on
     * harmless arguments.
     */
    static int childPath(Registry prepared, int pid, PrintStream out, PrintStream err, boolean daemon, int parentPid,
                         boolean inChild) {
        if (inChild) {
            Registry.installForkedChild(prepared, pid);
            System.setOut(out);
            System.setErr(err);
        }
        if (daemon) {
            ParentDeath.arm(parentPid, Signal.SIGKILL);
        }
        int code = ChildRun.run(prepared.current(), err);
        out.flush();
        err.flush();
        return code;
    }

    private static PrintStream childStream(int fd) {
        return new PrintStream(new FdOutputStream(fd), true, StandardCharsets.UTF_8);
    }

    /**
     * Once per JVM: loads and runs in the parent what a FORK child runs (the streams, the stack-trace printer, the
     * exit-code paths, the parent-death arming), so that no class is loaded and no call site linked for the
     * first time in a child.
     */
    static void warmUp() {
        if (warm) {
            return;
        }
        synchronized (WARM_LOCK) {
            if (warm) {
                return;
            }
            ParentDeath.warmUp();
            int devNull = Native.posix().open("/dev/null", 1 | 0x80000, 0);
            try {
                PrintStream out = childStream(devNull);
                MpProcess parentView = new MpProcess("warm-up", Native.posix().getpid(), true);
                Target[] targets = {
                    () -> { },
                    () -> {
                        throw new IllegalStateException("warm-up");
                    },
                    () -> {
                        throw new SystemExit(3);
                    },
                };
                for (int round = 0; round < 3; round++) {
                    for (Target t : targets) {
                        MpProcess p = new MpProcess(t, "warm-up", "0");
                        childPath(Registry.prepareForkedChild(p, parentView), 0, out, out, false, 0, false);
                        out.println("warm-up " + p.name() + " " + round);
                    }
                }
            } finally {
                Native.posix().close(devNull);
            }
            warm = true;
        }
    }
}
