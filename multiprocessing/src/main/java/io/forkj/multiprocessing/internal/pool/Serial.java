package io.forkj.multiprocessing.internal.pool;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;

/**
 * Java serialization of tasks, arguments and results between a pool and its workers (CPython pickles them).
 * Every stream is read through a filter that bounds depth, references and array lengths, so that a corrupt
 * frame ends in an exception, never an OOM.
 */
public final class Serial {
    /** The largest frame a pool or manager peer accepts: a bigger one is refused by length, before allocation. */
    public static final int MAX_FRAME = 512 << 20;

    private static final ObjectInputFilter LIMITS =
            ObjectInputFilter.Config.createFilter("maxdepth=200;maxrefs=20000000;maxarray=" + MAX_FRAME);

    private Serial() {
    }

    /** Serializes {@code o}; a {@link NotSerializableException} names the class that could not be written. */
    public static byte[] toBytes(Object o) throws NotSerializableException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        } catch (NotSerializableException e) {
            throw e;
        } catch (IOException e) {
            NotSerializableException n = new NotSerializableException(e.toString());
            n.initCause(e);
            throw n;
        }
        return bytes.toByteArray();
    }

    /**
     * Why {@code e} was thrown, as a clause: "C is not Serializable" when the JDK named a class C that is not, or the
     * reason itself when a class refused in its own words (a forkj lock outside a child's start, say).
     */
    public static String why(NotSerializableException e) {
        String message = String.valueOf(e.getMessage());
        return isClassName(message) ? message + " is not Serializable" : message;
    }

    /** Whether a {@link NotSerializableException}'s message is a class name, as the JDK's are. */
    public static boolean isClassName(String message) {
        return message.matches("[\\p{L}_$][\\p{L}\\p{N}_$.]*");
    }

    /** Reads one object from bytes written by {@link #toBytes}, through the size-bounding filter. */
    public static Object fromBytes(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            in.setObjectInputFilter(LIMITS);
            return in.readObject();
        }
    }

    /**
     * Refuses a task object that is not serializable, naming its class, before it is queued: CPython raises
     * its pickling error at submit too (for the executor, at the latest when the task is sent).
     */
    public static byte[] checkedTask(Object task, String what) {
        if (task == null) {
            throw new NullPointerException(what);
        }
        if (!(task instanceof Serializable)) {
            throw new IllegalArgumentException(what + " of " + task.getClass().getName() + " is not Serializable: a task"
                    + " crosses into a worker process, so declare it with a serializable type (e.g. SerializableFunction,"
                    + " SerializableCallable) or implement java.io.Serializable");
        }
        try {
            return toBytes(task);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException(what + " of " + task.getClass().getName()
                    + " cannot be serialized: " + why(e) + " (captured by the task?)", e);
        }
    }

    /** Like {@link #toBytes} for values the caller checked, e.g. arguments: failure is an IllegalArgumentException. */
    public static byte[] checkedValue(Object value, String what) {
        try {
            return toBytes(value);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException(what + " cannot be serialized: " + why(e), e);
        }
    }

    /** Deserializes bytes this JVM or a worker wrote; an unreadable frame is an {@link UncheckedIOException}. */
    public static Object read(byte[] bytes, String what) {
        try {
            return fromBytes(bytes);
        } catch (InvalidClassException e) {
            throw new UncheckedIOException(new IOException(what + " could not be read: " + e.getMessage(), e));
        } catch (IOException e) {
            throw new UncheckedIOException(what + " could not be read", e);
        } catch (ClassNotFoundException e) {
            throw new UncheckedIOException(new IOException(what + " names class " + e.getMessage()
                    + ", which this process cannot load (same class path needed)", e));
        }
    }
}
