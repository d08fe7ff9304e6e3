package io.forkj.multiprocessing.internal.pool;

import io.forkj.multiprocessing.RemoteException;
import io.forkj.multiprocessing.ResultEncodingException;
import io.forkj.multiprocessing.internal.FdStreams;
import io.forkj.multiprocessing.internal.queue.Items;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The loop a pool worker runs (CPython's {@code multiprocessing.pool.worker}), on any pair of byte streams: the
 * task pipe from the pool and the result pipe back to it.
 *
 * <p>Records, pool to worker: {@code INIT(maxTasks, initializer)} once, then {@code FN(job, function)},
 * {@code CHUNK(id, job, kind, items)}, {@code DROP(job)}; end of stream means "exit". Worker to pool:
 * {@code READY(pid)} or {@code INIT_FAILED(throwable)}, then one {@code OK(id, results)} or
 * {@code ERR(id, index, throwable)} per chunk, flushed before the next chunk starts: so when a worker dies, the
 * first chunk the pool has no answer for is exactly the one it was running.
 */
public final class PoolWorker {
    static final byte INIT = 'I';
    static final byte FN = 'F';
    static final byte CHUNK = 'C';
    static final byte DROP = 'D';
    static final byte READY = 'R';
    static final byte OK = 'O';
    static final byte ERR = 'E';
    static final byte INIT_FAILED = 'X';

    /** A chunk's items are the arguments of the job's function. */
    public static final byte MAP_KIND = 1;
    /** A chunk's items are argument pairs of the job's two-argument function. */
    public static final byte STAR_KIND = 2;
    /** A chunk's one item is a callable, run as it is. */
    static final byte CALL = 3;

    private PoolWorker() {
    }

    /**
     * Serves tasks until the pool closes the task stream or {@code maxTasks} chunks are done.
     *
     * @param pid this process's id, reported to the pool in READY
     */
    public static void serve(InputStream tasks, OutputStream results, int pid) throws IOException {
        serve(tasks, results, pid, Progress.NONE);
    }

    /**
     * Where a worker records, with a plain store, the id of the chunk whose user code it is about to run: a FORK
     * worker's is a word of shared memory its pool reads after the worker died, to tell a chunk that never reached
     * user code (safe to run again) from one that did.
     */
    public static class Progress {
        /** "Not recorded": the chunk's user code may have run. */
        public static final long UNKNOWN = Long.MIN_VALUE;
        static final Progress NONE = new Progress();

        /** Records that the user code of chunk {@code id} starts; the worker is no longer preparing. */
        void started(long id) {
        }

        /**
         * Records that the worker, having read a record, prepares it (deserializes a task, a function or the
         * initializer): no user code of a task runs until {@link #started} or {@link #prepared}. A FORK worker
         * that sleeps here for long is blocked on something its parent's other threads held at the fork.
         */
        void preparing() {
        }

        /** Records that the worker is back to reading its task stream. */
        void prepared() {
        }
    }

    static void serve(InputStream tasks, OutputStream results, int pid, Progress progress) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(tasks, 1 << 16));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(results, 1 << 16));
        if (in.read() != INIT) {
            throw new IOException("pool protocol: the first record must be INIT");
        }
        int maxTasks = in.readInt();
        byte[] init = readBytes(in);
        if (init.length > 0) {
            try {
                progress.preparing();
                Runnable initializer = (Runnable) Serial.read(init, "the pool's initializer");
                progress.prepared();
                initializer.run();
            } catch (Throwable t) {
                out.writeByte(INIT_FAILED);
                writeBytes(out, throwableBytes(t));
                out.flush();
                return;
            }
        }
        out.writeByte(READY);
        out.writeInt(pid);
        out.flush();
        Map<Long, Object> functions = new HashMap<>();
        int done = 0;
        while (maxTasks <= 0 || done < maxTasks) {
            int type = in.read();
            if (type < 0) {
                return;
            }
            progress.preparing();
            switch (type) {
                case FN: {
                    long job = in.readLong();
                    byte[] fn = readBytes(in);
                    Object f;
                    try {
                        f = Serial.read(fn, "the task's function");
                    } catch (RuntimeException | Error e) {
                        f = e; // each chunk of the job fails with it; the worker goes on serving other jobs
                    }
                    functions.put(job, f);
                    break;
                }
                case DROP:
                    functions.remove(in.readLong());
                    break;
                case CHUNK: {
                    long id = in.readLong();
                    long job = in.readLong();
                    byte kind = in.readByte();
                    byte[] items = readBytes(in);
                    runChunk(out, id, kind, functions.get(job), items, progress);
                    out.flush();
                    done++;
                    break;
                }
                default:
                    throw new IOException("pool protocol: unknown record type " + type);
            }
            progress.prepared();
        }
    }

    @SuppressWarnings("unchecked")
    private static void runChunk(DataOutputStream out, long id, byte kind, Object function, byte[] itemBytes,
                                 Progress progress) throws IOException {
        Object[] results;
        int index = 0;
        try {
            if (function instanceof Throwable unreadable) {
                throw unreadable;
            }
            if (kind == CALL) {
                Callable<Object> task = (Callable<Object>) Serial.read(itemBytes, "the task");
                progress.started(id);
                results = new Object[] {task.call()};
            } else {
                Object[] items = Items.decodeArray(itemBytes);
                results = new Object[items.length];
                progress.started(id);
                for (; index < items.length; index++) {
                    if (kind == MAP_KIND) {
                        results[index] = ((Function<Object, Object>) function).apply(items[index]);
                    } else {
                        Object[] pair = (Object[]) items[index];
                        results[index] = ((BiFunction<Object, Object, Object>) function).apply(pair[0], pair[1]);
                    }
                }
            }
        } catch (Throwable t) {
            error(out, id, index, t);
            return;
        }
        byte[] encoded;
        try {
            encoded = Items.encodeArray(results);
        } catch (NotSerializableException e) {
            error(out, id, -1, new ResultEncodingException("the task's result cannot be sent back: "
                    + Serial.why(e) + " (CPython: MaybeEncodingError)"));
            return;
        }
        out.writeByte(OK);
        out.writeLong(id);
        writeBytes(out, encoded);
    }

    private static void error(DataOutputStream out, long id, int index, Throwable t) throws IOException {
        out.writeByte(ERR);
        out.writeLong(id);
        out.writeInt(index);
        writeBytes(out, throwableBytes(t));
    }

    /** The throwable itself if it serializes, else a {@link RemoteException} carrying its text. */
    static byte[] throwableBytes(Throwable t) {
        try {
            return Serial.toBytes(t);
        } catch (NotSerializableException e) {
            try {
                return Serial.toBytes(RemoteException.of(t));
            } catch (NotSerializableException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > Serial.MAX_FRAME) {
            throw new IOException("pool protocol: frame of " + n + " bytes is outside 0.." + Serial.MAX_FRAME);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static volatile boolean warm;

    /**
     * The functional types a task arrives as, loaded with this class (in the parent, by {@link #warmUp}) so that a
     * FORK worker finds them loaded: loading a class in the child reads the jar through the fd it shares with this
     * process, file offset included, and the parent reading the same jar at that moment corrupted the child's read
     * (seen on JDK 25: {@code NoClassDefFoundError} for {@code SerializableBiFunction} while a FORK worker
     * deserialized a {@code starmap} function).
     */
    private static final Class<?>[] PUBLIC_TASK_TYPES = {
        io.forkj.multiprocessing.SerializableFunction.class, io.forkj.multiprocessing.SerializableBiFunction.class,
        io.forkj.multiprocessing.SerializableCallable.class, io.forkj.multiprocessing.SerializableRunnable.class,
    };

    /** Whether {@link #warmUp} has run in this process. */
    static boolean isWarm() {
        return warm;
    }

    /**
     * Runs the whole worker loop once in this process, on a thread, over an in-memory pipe: a map chunk, a call, a
     * failing call and an unserializable result. A FORK worker then runs no code path for the first time (class
     * loading or lambda linkage in a forked child can wait for ever on a lock another thread held at fork time).
     */
    static synchronized void warmUp(Progress progress) {
        if (warm) {
            return;
        }
        if (PUBLIC_TASK_TYPES.length == 0) {
            throw new IllegalStateException("no task types");
        }
        FdStreams.warmUp();
        try {
            java.io.ByteArrayOutputStream script = new java.io.ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(script);
            out.writeByte(INIT);
            out.writeInt(0);
            writeBytes(out, new byte[0]);
            out.writeByte(FN);
            out.writeLong(1);
            writeBytes(out, Serial.toBytes((Function<Object, Object> & java.io.Serializable) x -> x));
            out.writeByte(CHUNK);
            out.writeLong(2);
            out.writeLong(1);
            out.writeByte(MAP_KIND);
            writeBytes(out, Items.encodeArray(new Object[] {1, "two", null, 3L, 4.5, true, new byte[] {5},
                    "\u00e9\u20ac\uD83D\uDE00"}));
            out.writeByte(CHUNK);
            out.writeLong(3);
            out.writeLong(0);
            out.writeByte(CALL);
            writeBytes(out, Serial.toBytes((Callable<Object> & java.io.Serializable) () -> {
                throw new IllegalStateException("warm-up");
            }));
            out.writeByte(CHUNK);
            out.writeLong(4);
            out.writeLong(0);
            out.writeByte(CALL);
            writeBytes(out, Serial.toBytes((Callable<Object> & java.io.Serializable) Object::new));
            out.writeByte(DROP);
            out.writeLong(1);
            out.flush();
            java.io.ByteArrayOutputStream answers = new java.io.ByteArrayOutputStream();
            serve(new java.io.ByteArrayInputStream(script.toByteArray()), answers, 0, progress);
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(answers.toByteArray()));
            if (in.read() != READY) {
                throw new IllegalStateException("warm-up: no READY");
            }
            in.readInt();
            for (int i = 0; i < 3; i++) {
                int type = in.read();
                in.readLong();
                if (type == ERR) {
                    in.readInt();
                    Serial.fromBytes(readBytes(in));
                } else {
                    Items.decodeArray(readBytes(in));
                }
            }
            warm = true;
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("the pool worker's warm-up failed", e);
        }
    }

    static int readRecordType(DataInputStream in) throws IOException {
        int t = in.read();
        if (t < 0) {
            throw new EOFException();
        }
        return t;
    }
}
