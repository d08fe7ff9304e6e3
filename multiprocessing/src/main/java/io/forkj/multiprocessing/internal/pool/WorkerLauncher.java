package io.forkj.multiprocessing.internal.pool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Starts one pool worker running {@link PoolWorker#serve} somewhere: another process, or a thread in tests. */
public interface WorkerLauncher {

    /** Starts a worker; returns once it runs (it reports READY through its stream when it can take tasks). */
    Link launch() throws IOException;

    /** How to talk to a started worker and learn its end. */
    interface Link {
        /** The worker's process id (for messages; a thread worker makes one up). */
        int pid();

        /** The task stream into the worker; closing it tells the worker to exit. */
        OutputStream tasks();

        /** The result stream from the worker; end of stream means it exited or died. */
        InputStream results();

        /** Waits for the worker to end and returns its exit code in Python's convention (-9 for SIGKILL). */
        int awaitExit() throws InterruptedException;

        /** Ends the worker now: SIGTERM, then SIGKILL if it is still there after {@code graceMillis}. */
        void terminate(long graceMillis);

        /** Whether the worker has ended (reaped). */
        boolean exited();
    }
}
