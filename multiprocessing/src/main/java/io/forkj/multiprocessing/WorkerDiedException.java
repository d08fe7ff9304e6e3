package io.forkj.multiprocessing;

/**
 * The worker process running a task died before returning its result (SIGKILL, the OOM killer,
 * {@code System.exit} in the task). The task fails with this exception; the pool replaces the worker and goes on
 * serving. CPython's {@code Pool} hangs for ever here (cpython issue 96062) and its {@code ProcessPoolExecutor}
 * raises {@code BrokenProcessPool} for every later task.
 */
public final class WorkerDiedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int pid;
    private final int exitCode;

    /**
     * @param pid      the worker's process id
     * @param exitCode its exit code in Python's convention ({@code Process.exitcode}): {@code n} for
     *                 {@code exit(n)}, {@code -N} when killed by signal N
     * @param task     what it was running, for the message
     */
    public WorkerDiedException(int pid, int exitCode, String task) {
        super("worker pid " + pid + " died with exit code " + exitCode + describe(exitCode) + " while running " + task);
        this.pid = pid;
        this.exitCode = exitCode;
    }

    /** The dead worker's process id. */
    public int pid() {
        return pid;
    }

    /** Its exit code as Python's {@code Process.exitcode} gives it: {@code -9} for SIGKILL. */
    public int exitCode() {
        return exitCode;
    }

    private static String describe(int exitCode) {
        if (exitCode >= 0) {
            return "";
        }
        try {
            return " (" + io.forkj.Signal.of(-exitCode).name() + ")";
        } catch (RuntimeException unknown) {
            return " (signal " + -exitCode + ")";
        }
    }
}
