package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.FdExport;
import io.forkj.multiprocessing.internal.shm.Attached;
import io.forkj.multiprocessing.internal.shm.SharedSegment;

import java.io.IOException;
import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;

/**
 * What a shared object becomes when it is serialized for a SPAWN or standby child: its kind, the fd of its
 * segment (passed to the child under {@link FdExport}'s contract), the segment's size and the kind's few extra
 * values. {@link #readResolve()} maps the fd again in the child and rebuilds the object.
 */
final class Handle implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    enum Kind { LOCK, RLOCK, SEMAPHORE, BOUNDED_SEMAPHORE, CONDITION, EVENT, BARRIER, RAW_VALUE, VALUE, RAW_ARRAY, ARRAY, SHARED_MEMORY }

    private final Kind kind;
    private final int fd;
    private final int size;
    private final char typecode;
    private final int length;
    private final Serializable lock;
    private final String name;

    private Handle(Kind kind, int fd, int size, char typecode, int length, Serializable lock, String name) {
        this.kind = kind;
        this.fd = fd;
        this.size = size;
        this.typecode = typecode;
        this.length = length;
        this.lock = lock;
        this.name = name;
    }

    static Handle of(Kind kind, SharedSegment segment, String what) throws ObjectStreamException {
        return of(kind, segment, what, ' ', 0, null, null);
    }

    static Handle of(Kind kind, SharedSegment segment, String what, char typecode, int length, Serializable lock,
                     String name) throws ObjectStreamException {
        return new Handle(kind, segment.export(what), segment.size(), typecode, length, lock, name);
    }

    @Serial
    private Object readResolve() throws ObjectStreamException {
        SharedSegment segment = Attached.segment(fd, size);
        switch (kind) {
            case LOCK:
                return new Lock(segment);
            case RLOCK:
                return new RLock(segment);
            case SEMAPHORE:
                return new Semaphore(segment, false);
            case BOUNDED_SEMAPHORE:
                return new BoundedSemaphore(segment);
            case CONDITION:
                return new Condition(segment, (SharedLock) lock);
            case EVENT:
                return new Event(segment);
            case BARRIER:
                return new Barrier(segment);
            case RAW_VALUE:
                return new RawValue(segment, TypeCode.of(typecode));
            case RAW_ARRAY:
                return new RawArray(segment, TypeCode.of(typecode), length);
            case VALUE:
                return new Value(segment, TypeCode.of(typecode), (SharedLock) lock);
            case ARRAY:
                return new Array(segment, TypeCode.of(typecode), length, (SharedLock) lock);
            case SHARED_MEMORY:
                return new SharedMemory(segment, name);
            default:
                throw new java.io.InvalidObjectException("unknown forkj shared object kind " + kind);
        }
    }

    private void readObject(java.io.ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (kind == null || fd < 0 || size <= 0) {
            throw new java.io.InvalidObjectException("corrupt forkj shared object handle: kind " + kind + ", fd " + fd
                    + ", size " + size);
        }
    }
}
