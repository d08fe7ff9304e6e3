package io.forkj.multiprocessing.internal;

import java.io.NotSerializableException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * How forkj resources backed by file descriptors (connections, shared memory, locks, queues) cross into a
 * SPAWN or standby child: CPython's {@code reduction.DupFd}.
 *
 * <p>While the parent serializes a child's target and arguments it opens a scope ({@link #open()}). A
 * resource's {@code writeReplace()} calls {@link #export(int)} for each fd it needs and writes the returned fd
 * number into the small serializable handle it replaces itself with. The starter passes every exported fd to
 * the child under the same number (posix_spawn with those fds left open and without {@code O_CLOEXEC}), where
 * the handle's {@code readResolve()} re-attaches to the fd. FORK children need none of this: they inherit the
 * objects and the fds as they are.
 *
 * <p>A standby JVM was started before the task existed, so it cannot inherit the fds: they reach it over a
 * unix socket ({@code SCM_RIGHTS}) under new numbers. Its bootstrap installs the mapping from exported numbers
 * to its own with {@link #installImports(java.util.Map)} before it deserializes anything, and every handle's
 * {@code readResolve()} asks {@link #imported(int)} for its local fd, never using the exported number as is.
 *
 * <p>Outside a scope (plain Java serialization to a file, a socket, or a {@code Connection}) {@link #export}
 * throws {@link NotSerializableException}: an fd number means nothing to a process that did not inherit it.
 */
public final class FdExport implements AutoCloseable {
    private static final ThreadLocal<FdExport> CURRENT = new ThreadLocal<>();
    private static volatile java.util.Map<Integer, Integer> imports = java.util.Map.of();

    private final Set<Integer> fds = new LinkedHashSet<>();
    private final FdExport outer;

    private FdExport(FdExport outer) {
        this.outer = outer;
    }

    /** Opens a scope on this thread; close it when the serialization for one child is done. */
    public static FdExport open() {
        FdExport scope = new FdExport(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /** Whether this thread is preparing a child, so that fds serialized now are passed with it. */
    public static boolean isOpen() {
        return CURRENT.get() != null;
    }

    /**
     * Records {@code fd} to be passed to the child being prepared on this thread.
     *
     * @param what names the resource in the error, e.g. {@code "Lock"}
     * @return the fd number the child will see (the same number)
     * @throws NotSerializableException if no scope is open on this thread
     */
    public static int export(int fd, String what) throws NotSerializableException {
        FdExport scope = CURRENT.get();
        if (scope == null) {
            throw new NotSerializableException("a forkj " + what + " can be passed to a forkj child process as an"
                    + " argument (its fd " + fd + " is passed with it), not serialized to anything else");
        }
        if (fd < 0) {
            throw new NotSerializableException("a closed forkj " + what + " (fd " + fd + ") cannot be passed to a child");
        }
        scope.fds.add(fd);
        return fd;
    }

    /** The fds exported in this scope so far, in export order. */
    public int[] fds() {
        return fds.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public void close() {
        if (CURRENT.get() == this) {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /**
     * In a child: the local fd for an fd number a handle was serialized with. Identity in SPAWN children (the fd
     * is inherited under its own number) and in the parent; the received number in a standby JVM.
     */
    public static int imported(int exportedFd) {
        Integer local = imports.get(exportedFd);
        return local == null ? exportedFd : local;
    }

    /** Called once by a standby child's bootstrap, before it deserializes its task: exported fd → local fd. */
    public static void installImports(java.util.Map<Integer, Integer> exportedToLocal) {
        imports = java.util.Map.copyOf(exportedToLocal);
    }
}
