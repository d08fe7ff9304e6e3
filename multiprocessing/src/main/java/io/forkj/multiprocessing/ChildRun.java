package io.forkj.multiprocessing;

import java.io.PrintStream;

/** Runs a process object in its child with CPython's exit codes; shared by every start method. */
final class ChildRun {
    private ChildRun() {
    }

    /**
     * Python's {@code BaseProcess._bootstrap}: 0 when {@code run()} returns, the code of a {@link SystemExit},
     * else 1 after "Process NAME:" and the stack trace on {@code err}.
     */
    static int run(MpProcess process, PrintStream err) {
        try {
            process.run();
            return 0;
        } catch (SystemExit exit) {
            return exit.code();
        } catch (Throwable t) {
            try {
                err.println("Process " + process.name() + ":");
                t.printStackTrace(err);
                err.flush();
            } catch (Throwable unprintable) {
                // The exit code still says the target failed.
            }
            return 1;
        }
    }
}
