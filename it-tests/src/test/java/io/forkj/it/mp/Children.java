package io.forkj.it.mp;

import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.Target;
import io.forkj.posix.ForkStallException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Starts {@link MpProcess} children that share forkj objects, under a given start method, and reaps them bounded. */
final class Children {
    static final Duration DEADLINE = Duration.ofSeconds(90);

    private Children() {
    }

    /**
     * Runs {@code task} in this process {@code rounds} times in each of two threads at once, so that its whole
     * path, contended branches included, is compiled before a FORK child runs it (a forked JVM that asks the JIT
     * for a compilation or meets a never-taken branch can block for ever: MpProcess's FORK rules).
     *
     * @return how many times the task ran here (2 × rounds)
     */
    static int warmForFork(Target task, int rounds) throws Exception {
        Thread helper = new Thread(() -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    task.run();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "warm-for-fork");
        helper.start();
        for (int i = 0; i < rounds; i++) {
            task.run();
        }
        helper.join();
        return 2 * rounds;
    }

    static MpProcess start(StartMethod how, Target task) {
        MpProcess process = new MpProcess(task).startMethod(how);
        if (how == StartMethod.FORK) {
            process.forkDeadline(DEADLINE);
        }
        process.start();
        return process;
    }

    static List<MpProcess> start(StartMethod how, int n, Target task) {
        List<MpProcess> children = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            children.add(start(how, task));
        }
        return children;
    }

    /** Waits for each child (bounded) and returns their exit codes. */
    static List<Integer> exitCodes(List<MpProcess> children) throws InterruptedException {
        List<Integer> codes = new ArrayList<>();
        for (MpProcess child : children) {
            codes.add(exitCode(child));
        }
        return codes;
    }

    /**
     * The exit code (CPython's: -9 for SIGKILL); -1000 for a FORK child that stalled past its deadline (forkj
     * killed and reaped it), -1001 for a child still running after {@link #DEADLINE} (killed here).
     */
    static int exitCode(MpProcess child) throws InterruptedException {
        try {
            if (!child.join(DEADLINE)) {
                child.kill();
                child.join();
                return -1001;
            }
            return child.exitCode().orElse(-1002);
        } catch (ForkStallException stalled) {
            System.err.println(stalled.getMessage());
            return -1000;
        }
    }
}
