package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.shm.RobustMutex;
import io.forkj.multiprocessing.internal.shm.SharedSegment;
import io.forkj.multiprocessing.internal.shm.Words;
import io.forkj.posix.internal.libc.Native;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.function.IntFunction;

/**
 * A fixed-length list of simple values in {@link SharedMemory}: Python's
 * {@code multiprocessing.shared_memory.ShareableList}. Items are {@code Long}, {@code Double}, {@code Boolean},
 * {@code String}, {@code byte[]} or {@code null} (Python's int, float, bool, str, bytes and None); an
 * {@code Integer}, {@code Short} or {@code Byte} is stored as a {@code Long}, a {@code Float} as a {@code Double}.
 * Each item keeps the storage it was created with: 8 bytes, or for a string (UTF-8) or bytes its length rounded up to
 * 8; a later value of any type fits if it is no longer (Python's {@code ValueError} otherwise).
 *
 * <p>Where CPython's is weak:
 * <ul>
 * <li><b>No torn reads.</b> CPython reads and writes an item's bytes in place, so a reader in another process can
 *     see half of a new string and half of the old, or the new length with the old bytes. Here each item has two
 *     copies: a writer fills the one readers are not reading and then switches them with one store; a reader that
 *     saw the switch happen during its read reads again. A reader takes no lock and never waits for a writer.</li>
 * <li><b>A writer that dies cannot break it.</b> Writers take a {@linkplain RobustMutex robust} mutex: one killed
 *     while writing leaves the old value in place and the mutex to the next writer within 100 ms.</li>
 * <li><b>Values come back exactly.</b> CPython strips trailing NUL characters from str and bytes items; here each
 *     copy records its length.</li>
 * <li>Nothing in {@code /dev/shm} to leak: the memory is a {@link SharedMemory}'s memfd.</li>
 * </ul>
 *
 * <p>It is a {@link List} of fixed size: {@link #set} replaces an item (returning the old value), adding or removing
 * throws {@link UnsupportedOperationException}. {@link #indexOf}, {@link #contains} and {@link #count} compare
 * {@code byte[]} items by content, as Python compares bytes. Passed to a child (FORK, SPAWN or standby) it crosses
 * as its memory's fd; serialized anywhere else (a queue, a pool's task) it is its {@link #name()}, which the reader
 * attaches, as another process of the same user can.
 */
public final class ShareableList extends AbstractList<Object> implements RandomAccess, Serializable, AutoCloseable {
    @Serial
    private static final long serialVersionUID = 1L;
    /** "FJSL": a ShareableList's memory, not any other SharedMemory. */
    private static final int MAGIC = 0x4C534A46;
    private static final int MAGIC_AT = 0;
    private static final int LENGTH_AT = 4;
    private static final int WRITERS_AT = 64;
    /** Per item: {@code [long version][int capacity][int offset of its two copies]}. */
    private static final int TABLE = WRITERS_AT + 64;
    private static final int ENTRY = 16;
    /** A copy: {@code [int kind][int length]} and the value's bytes. */
    private static final int COPY_HEADER = 8;
    private static final int SCALAR = 8;
    private static final int NONE = 1;
    private static final int LONG = 2;
    private static final int DOUBLE = 3;
    private static final int BOOL = 4;
    private static final int STR = 5;
    private static final int BYTES = 6;
    /** A read that met a copy being written: read again. */
    private static final Object TORN = new Object();
    /** For tests only: a set ends its process ({@code _exit}) half-way through writing, holding the writers' mutex. */
    private static boolean dieWhileWriting;
    /** Rounds of reading and writing every kind in the warm-up: past the interpreter's profiling thresholds. */
    private static final int WARM_UP_ROUNDS = 1_000;
    /** Whether this JVM has made or attached a list, which a FORK child could then use. */
    private static volatile boolean used;
    private static volatile boolean warm;

    private final SharedMemory shm;
    private final transient SharedSegment segment;
    private final transient ByteBuffer buf;
    private final transient RobustMutex writers;
    private final transient int length;

    private ShareableList(SharedMemory shm) {
        this.shm = shm;
        this.segment = shm.segment();
        this.buf = segment.buffer();
        if (segment.size() < TABLE || buf.getInt(MAGIC_AT) != MAGIC) {
            throw new IllegalArgumentException(shm.name() + " is a SharedMemory, not a forkj ShareableList's memory"
                    + " (a CPython ShareableList's layout is not read: attach it as a SharedMemory)");
        }
        this.length = buf.getInt(LENGTH_AT);
        if (length < 0 || TABLE + (long) ENTRY * length > segment.size()) {
            throw new IllegalArgumentException(shm.name() + " claims " + length + " items, which its "
                    + segment.size() + " bytes cannot hold: not a ShareableList's memory");
        }
        this.writers = new RobustMutex(segment, WRITERS_AT, "ShareableList");
        used = true;
    }

    /**
     * Before each FORK start, once per JVM that has a list: reads and writes every kind, and runs the searches, the
     * refusals and {@code toString}, the reads and writes past the interpreter's profiling thresholds. A FORK child
     * then links no call site and creates no method profile for the first time, which in a forked JVM can wait for
     * ever on a VM lock another thread held at the fork (as {@code Ring.warmUpIfUsed}).
     */
    static void warmUpIfUsed() {
        if (warm || !used) {
            return;
        }
        synchronized (ShareableList.class) {
            if (!warm) {
                exercise();
                warm = true;
            }
        }
    }

    private static void exercise() {
        try (ShareableList list = of(7L, 7.5, true, "seven", new byte[] {7}, null, "s\u00e9\u20ac", 7, 7.5f)) {
            for (int round = 0; round < WARM_UP_ROUNDS; round++) {
                for (int i = 0; i < list.size(); i++) {
                    list.set(i, list.get(i));
                }
            }
            list.count(7L);
            list.indexOf(new byte[] {7});
            list.lastIndexOf(null);
            list.contains("seven");
            list.toString();
            for (Object item : list) {
                Objects.hashCode(item);
            }
            try {
                list.set(3, "more than eight bytes");
            } catch (IllegalArgumentException expected) {
                expected.getMessage();
            }
            try {
                list.set(0, new Object());
            } catch (IllegalArgumentException expected) {
                expected.getMessage();
            }
            try {
                list.get(list.size());
            } catch (IndexOutOfBoundsException expected) {
                expected.getMessage();
            }
        }
    }

    /**
     * Python's {@code ShareableList(sequence)}: new shared memory holding these values.
     *
     * @throws IllegalArgumentException naming the item if one is of another type, or if they need more than
     *                                  {@link SharedSegment#MAX_SIZE} bytes
     */
    public static ShareableList create(Iterable<?> sequence) {
        return create(sequence, NEW_MEMORY);
    }

    /** {@link SharedMemory#create}, as a class rather than a method reference: no call site for a FORK child to link. */
    private static final IntFunction<SharedMemory> NEW_MEMORY = new IntFunction<>() {
        @Override
        public SharedMemory apply(int size) {
            return SharedMemory.create(size);
        }
    };

    /** {@link #create(Iterable)} in memory of the size asked made by {@code memory}. */
    static ShareableList create(Iterable<?> sequence, IntFunction<SharedMemory> memory) {
        List<Object> values = new ArrayList<>();
        for (Object value : sequence) {
            values.add(normalized(values.size(), value));
        }
        long size = TABLE + (long) ENTRY * values.size();
        int[] capacity = new int[values.size()];
        byte[][] payloads = new byte[values.size()][];
        for (int i = 0; i < capacity.length; i++) {
            payloads[i] = payload(values.get(i));
            capacity[i] = (int) Math.max(SCALAR, ((payloads[i] == null ? 0 : payloads[i].length) + 7L) & ~7L);
            size += 2L * (COPY_HEADER + capacity[i]);
        }
        if (size > SharedSegment.MAX_SIZE) {
            throw new IllegalArgumentException("a ShareableList of " + values.size() + " items needs " + size
                    + " bytes, more than a SharedMemory's " + SharedSegment.MAX_SIZE);
        }
        SharedMemory shm = memory.apply((int) size);
        ByteBuffer buf = shm.segment().buffer();
        long at = TABLE + (long) ENTRY * values.size();
        for (int i = 0; i < capacity.length; i++) {
            int entry = TABLE + ENTRY * i;
            buf.putInt(entry + 8, capacity[i]);
            buf.putInt(entry + 12, (int) at);
            write(buf, (int) at, values.get(i), payloads[i]);
            at += 2L * (COPY_HEADER + capacity[i]);
        }
        buf.putInt(LENGTH_AT, values.size());
        VarHandle.releaseFence();
        buf.putInt(MAGIC_AT, MAGIC);
        return new ShareableList(shm);
    }

    /** {@link #create(Iterable)} of these values: Python's {@code ShareableList([a, b, ...])}. */
    public static ShareableList of(Object... values) {
        return create(Arrays.asList(values));
    }

    /**
     * Python's {@code ShareableList(name=name)}: attaches to a list another process created.
     *
     * @throws java.util.NoSuchElementException if nothing has that name now (Python: {@code FileNotFoundError})
     * @throws IllegalArgumentException         if the name is not one forkj makes, or names a SharedMemory that is
     *                                          not a ShareableList
     */
    public static ShareableList attach(String name) {
        SharedMemory shm = SharedMemory.attach(name);
        try {
            return new ShareableList(shm);
        } catch (RuntimeException e) {
            shm.close();
            throw e;
        }
    }

    /** Python's {@code len(sl)}: the number of items, fixed at creation. */
    @Override
    public int size() {
        return length;
    }

    /**
     * Python's {@code sl[index]}: the item as last written whole (never a mix of two writes).
     *
     * @throws IndexOutOfBoundsException if index is not in {@code [0, size())}
     * @throws IllegalStateException     if this process closed the list, or the item's memory was overwritten
     *                                   through {@code shm().buf()}
     */
    @Override
    public Object get(int index) {
        int entry = entry(index);
        segment.enter("ShareableList");
        try {
            int capacity = buf.getInt(entry + 8);
            int copies = buf.getInt(entry + 12);
            while (true) {
                long version = (long) Words.LONG.getAcquire(buf, entry);
                Object value = read(copies + (int) (version & 1) * (COPY_HEADER + capacity), capacity);
                VarHandle.acquireFence();
                if ((long) Words.LONG.getVolatile(buf, entry) == version) {
                    if (value != TORN) {
                        return value;
                    }
                    // Writers fill only the other copy while the version stands: this one was written over by hand.
                    throw new IllegalStateException("ShareableList item " + index + " of " + name() + " holds no"
                            + " value a writer left (its memory was written through shm().buf()?)");
                }
                Thread.onSpinWait();
            }
        } finally {
            segment.leave();
        }
    }

    /**
     * Python's {@code sl[index] = value}: replaces the item, for every process at once.
     *
     * @return the value it replaced
     * @throws IndexOutOfBoundsException if index is not in {@code [0, size())}
     * @throws IllegalArgumentException  if the value is of another type, or longer than the item's storage (Python:
     *                                   {@code ValueError: bytes/str item exceeds available storage})
     * @throws IllegalStateException     if this process closed the list
     */
    @Override
    public Object set(int index, Object value) {
        int entry = entry(index);
        Object item = normalized(index, value);
        segment.enter("ShareableList");
        try {
            int capacity = buf.getInt(entry + 8);
            byte[] payload = payload(item);
            int bytes = payload == null ? 0 : payload.length;
            if (bytes > capacity) {
                throw new IllegalArgumentException("a " + item.getClass().getSimpleName() + " of " + bytes + " bytes"
                        + (item instanceof String ? " (UTF-8)" : "") + " exceeds the " + capacity + " bytes of"
                        + " ShareableList item " + index + ", which keeps the storage it was created with (Python:"
                        + " ValueError: bytes/str item exceeds available storage)");
            }
            int copies = buf.getInt(entry + 12);
            lockWriters();
            try {
                long version = (long) Words.LONG.getVolatile(buf, entry);
                Object old = read(copies + (int) (version & 1) * (COPY_HEADER + capacity), capacity);
                write(buf, copies + (int) ((version + 1) & 1) * (COPY_HEADER + capacity), item, payload);
                Words.LONG.setRelease(buf, entry, version + 1);
                return old;
            } finally {
                writers.unlock();
            }
        } finally {
            segment.leave();
        }
    }

    /** Python's {@code sl.count(value)}: how many items equal it ({@code byte[]} by content). */
    public int count(Object value) {
        int n = 0;
        for (int i = 0; i < length; i++) {
            if (same(get(i), value)) {
                n++;
            }
        }
        return n;
    }

    /** Python's {@code sl.index(value)}, but -1 when absent as {@link List#indexOf}; {@code byte[]} by content. */
    @Override
    public int indexOf(Object value) {
        for (int i = 0; i < length; i++) {
            if (same(get(i), value)) {
                return i;
            }
        }
        return -1;
    }

    /** The last index of an item equal to the value ({@code byte[]} by content), -1 if none. */
    @Override
    public int lastIndexOf(Object value) {
        for (int i = length - 1; i >= 0; i--) {
            if (same(get(i), value)) {
                return i;
            }
        }
        return -1;
    }

    /** Python's {@code value in sl}: whether an item equals it ({@code byte[]} by content). */
    @Override
    public boolean contains(Object value) {
        return indexOf(value) >= 0;
    }

    /** Python's {@code sl.shm.name}: another process of the same user attaches with it. */
    public String name() {
        return shm.name();
    }

    /** Python's {@code sl.shm}: the memory the items live in. */
    public SharedMemory shm() {
        return shm;
    }

    /** Python's {@code sl.shm.close()}: unmaps the memory in this process (the creator's close ends the name). */
    @Override
    public void close() {
        shm.close();
    }

    /**
     * Python's {@code repr(sl)}: the items as Python writes them ({@code 'str'}, {@code b'..'}, {@code True},
     * {@code None}) and the name.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("ShareableList([");
        for (int i = 0; i < length; i++) {
            Object item = get(i);
            s.append(i == 0 ? "" : ", ").append(item instanceof String ? "'" + item + "'"
                    : item instanceof byte[] ? RawArray.bytesRepr((byte[]) item)
                    : item instanceof Boolean ? ((Boolean) item ? "True" : "False") : item == null ? "None"
                    : String.valueOf(item));
        }
        return s.append("], name='").append(name()).append("')").toString();
    }

    private int entry(int index) {
        Objects.checkIndex(index, length);
        return TABLE + ENTRY * index;
    }

    private void lockWriters() {
        while (true) {
            try {
                writers.lock(-1);
                return;
            } catch (OwnerDiedException writerDied) {
                // A writer died holding it: it had written only the copy nobody reads, so the list is whole; take it.
            }
        }
    }

    /** A copy's value, or {@link #TORN} if its header is not one a writer leaves (a writer is filling it). */
    private Object read(int copy, int capacity) {
        int kind = buf.getInt(copy);
        int bytes = buf.getInt(copy + 4);
        if (bytes < 0 || bytes > capacity) {
            return TORN;
        }
        int at = copy + COPY_HEADER;
        switch (kind) {
            case NONE:
                return null;
            case LONG:
                return buf.getLong(at);
            case DOUBLE:
                return buf.getDouble(at);
            case BOOL:
                return buf.get(at) != 0;
            case STR:
            case BYTES:
                byte[] value = new byte[bytes];
                buf.get(at, value);
                return kind == STR ? new String(value, StandardCharsets.UTF_8) : value;
            default:
                return TORN;
        }
    }

    /** Writes {@code item} into the copy at {@code copy}; {@code payload} is its {@link #payload}. */
    private static void write(ByteBuffer buf, int copy, Object item, byte[] payload) {
        int at = copy + COPY_HEADER;
        int kind;
        int bytes = 0;
        if (item == null) {
            kind = NONE;
        } else if (item instanceof Long) {
            kind = LONG;
            buf.putLong(at, (Long) item);
        } else if (item instanceof Double) {
            kind = DOUBLE;
            buf.putDouble(at, (Double) item);
        } else if (item instanceof Boolean) {
            kind = BOOL;
            buf.put(at, (byte) ((Boolean) item ? 1 : 0));
        } else {
            kind = item instanceof String ? STR : BYTES;
            bytes = payload.length;
            if (dieWhileWriting && bytes > 1) {
                buf.put(at, payload, 0, bytes / 2);
                Native.libc()._exit(96);
            }
            buf.put(at, payload);
        }
        buf.putInt(copy, kind);
        buf.putInt(copy + 4, bytes);
    }

    /** The stored form of a value: Long, Double, Boolean, String, byte[] or null. */
    private static Object normalized(int index, Object value) {
        if (value == null || value instanceof Long || value instanceof Double || value instanceof Boolean
                || value instanceof String) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float) {
            return ((Float) value).doubleValue();
        }
        if (value instanceof byte[]) {
            return value;
        }
        throw new IllegalArgumentException("ShareableList item " + index + " is a " + value.getClass().getName()
                + ": items are Long, Double, Boolean, String, byte[] or null (Python's int, float, bool, str, bytes,"
                + " None), or an Integer, Short, Byte or Float");
    }

    /** The bytes a string (UTF-8) or bytes item stores, encoded once per write; null for a scalar or null. */
    private static byte[] payload(Object item) {
        if (item instanceof String) {
            return ((String) item).getBytes(StandardCharsets.UTF_8);
        }
        return item instanceof byte[] ? (byte[]) item : null;
    }

    private static boolean same(Object item, Object value) {
        if (item instanceof byte[] && value instanceof byte[]) {
            return Arrays.equals((byte[]) item, (byte[]) value);
        }
        return Objects.equals(item, value);
    }

    /**
     * Serialized, a list is its memory (the fd for a child being started, else the name); read back, it is that
     * memory's list again.
     */
    @Serial
    private Object readResolve() throws ObjectStreamException {
        return new ShareableList(shm);
    }
}
