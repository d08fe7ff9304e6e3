package io.forkj.multiprocessing.internal.pool;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The entry point of a spawned pool worker JVM: {@code WorkerMain <taskFd> <resultFd>}. Needs no native call.
 * It exits 0 when the pool closes its task pipe or its task quota is used up, and on its own when the process that
 * started it is gone (a pool's workers are daemonic, as in CPython).
 */
public final class WorkerMain {
    private WorkerMain() {
    }

    /** Runs the worker loop on the inherited pipes. */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: WorkerMain <taskFd> <resultFd>");
            System.exit(2);
        }
        ParentWatch.start();
        int code = 0;
        try (InputStream tasks = new FileInputStream(SpawnLauncher.procFd(Integer.parseInt(args[0])));
             OutputStream results = new FileOutputStream(SpawnLauncher.procFd(Integer.parseInt(args[1])))) {
            PoolWorker.serve(tasks, results, (int) ProcessHandle.current().pid());
        } catch (Throwable t) {
            t.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }
}
