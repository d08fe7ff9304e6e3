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

        /**
         * After {@link #awaitExit()}: whether the worker was killed because it was proven stalled (a FORK worker
         * blocked for ever on a VM lock its fork copied in the held state), not by anyone's signal or its own end.
         */
        default boolean stalled() {
            return false;
        }

        /**
         * The id of the last chunk whose user code the worker started ({@link PoolWorker.Progress}), or
         * {@link PoolWorker.Progress#UNKNOWN} where the worker does not record it.
         */
        default long startedChunk() {
            return PoolWorker.Progress.UNKNOWN;
        }
    }
}
