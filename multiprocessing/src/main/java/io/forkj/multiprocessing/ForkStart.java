package io.forkj.multiprocessing;

import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.Signal;
import io.forkj.multiprocessing.internal.FdOutputStream;
import io.forkj.multiprocessing.internal.ForkedChild;
import io.forkj.multiprocessing.internal.manager.ManagerClient;
import io.forkj.posix.internal.fork.Starter;
import io.forkj.multiprocessing.internal.pool.PoolPipes;
import io.forkj.multiprocessing.internal.queue.Ring;
import io.forkj.posix.Child;
import io.forkj.posix.ChildBody;
import io.forkj.posix.ChildContext;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.internal.fork.AllocationBudget;
import io.forkj.posix.internal.fork.SharedHeap;
import io.forkj.posix.internal.libc.Native;
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
    /**
     * Below this much free eden the parent collects before the fork, if eden holds more than this. A target that
     * throws allocates its exception, stack trace and report: a JDK 25 FORK child forked with a budget of 0 bytes
     * stalled in its body doing that (the suite, once in a loop of runs). The collection costs tens of
     * milliseconds and happens only when eden is nearly full, when a GC was due anyway.
     */
    static final long MIN_ALLOCATION_BUDGET = 8L << 20;

    private ForkStart() {
    }

    static Child start(MpProcess process) {
        SharedHeap.refuseFork("the FORK start method"); // before the warm-up, which runs the child's path here
        warmUp();
        Ring.warmUpIfUsed();
        ShareableList.warmUpIfUsed();
        ManagerClient.warmUpIfUsed();
        int parentPid = Native.posix().getpid();
        MpProcess parentView = new MpProcess(Registry.get().current().name(), parentPid, true);
        Body body = new Body(Registry.prepareForkedChild(process, parentView), childStream(1), childStream(2),
                process.daemon(), parentPid, true);
        ForkOptions options = ForkOptions.defaults().deadline(process.forkDeadline())
                .gcBeforeFork(AllocationBudget.collectionWouldHelp(MIN_ALLOCATION_BUDGET));
        Child child;
        synchronized (PoolPipes.FORK_LOCK) {
            if (process.daemon()) {
                // The parent-death signal follows the thread that forked: fork daemons from a thread that never ends.
                child = Starter.call(() -> Fork.run(options, body));
            } else {
                child = Fork.run(options, body);
            }
        }
        if (!ForkedChild.active()) {
            // Not in a FORK child, which may start no thread (the guard's).
            ForkChildGuard.watch(child);
        }
        return child;
    }

    /**
     * The child's body, a class rather than a lambda so that the parent's warm-up runs this very method: a
     * method's first run allocates its counters in metaspace, under a lock a JIT thread of the parent may have
     * held at the moment of the fork.
     */
    private static final class Body implements ChildBody {
        private final Registry prepared;
        private final PrintStream out;
        private final PrintStream err;
        private final boolean daemon;
        private final int parentPid;
        private final boolean inChild;

        Body(Registry prepared, PrintStream out, PrintStream err, boolean daemon, int parentPid, boolean inChild) {
            this.prepared = prepared;
            this.out = out;
            this.err = err;
            this.daemon = daemon;
            this.parentPid = parentPid;
            this.inChild = inChild;
        }

        @Override
        public void run(ChildContext ctx) {
            int code = childPath(prepared, Native.posix().getpid(), out, err, daemon, parentPid, inChild);
            if (inChild) {
                Native.libc()._exit(code);
            }
        }
    }

    /**
     * The child's side, up to its exit code. {@code inChild} false is the parent-side warm-up: the same methods,
     * with the process-wide effects left out.
     */
    static int childPath(Registry prepared, int pid, PrintStream out, PrintStream err, boolean daemon, int parentPid,
                         boolean inChild) {
        if (inChild) {
            PoolPipes.closeCopiesInChild();
        } else {
            PoolPipes.warmUp();
        }
        Registry.installForkedChild(prepared, pid, inChild);
        System.setOut(inChild ? out : System.out);
        System.setErr(inChild ? err : System.err);
        if (daemon && inChild) {
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
            int devNull = Native.posix().open("/dev/null", 1 | LinuxLibC.Flags.O_CLOEXEC, 0);
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
                        new Body(Registry.prepareForkedChild(p, parentView), out, out, false, 0, false).run(null);
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
