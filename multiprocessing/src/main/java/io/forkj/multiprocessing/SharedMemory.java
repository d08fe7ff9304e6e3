package io.forkj.multiprocessing;

import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.PosixException;
import io.forkj.Errno;
import io.forkj.multiprocessing.internal.FdExport;
import io.forkj.multiprocessing.internal.shm.Self;
import io.forkj.multiprocessing.internal.shm.SharedSegment;
import io.forkj.posix.internal.libc.Native;

import java.io.IOException;
import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named block of shared memory: Python's {@code multiprocessing.shared_memory.SharedMemory}.
 *
 * <p><b>Names that cannot leak.</b> Python creates a file in {@code /dev/shm} that outlives every process
 * unless someone calls {@code unlink()} (its resource tracker tries, and warns about leaks). forkj creates no
 * file: the memory is a memfd, and the name {@code forkj_PID_FD_TOKEN} says where to find it: another process of
 * the same user {@linkplain #attach(String) attaches} by opening {@code /proc/PID/fd/FD} and checking the
 * random token against the memfd's own name. The trade-off: a name resolves only while its creator process
 * keeps its fd, that is until the creator calls {@link #unlink()} or {@link #close()}, or exits; the memory
 * itself lives on while any process has it mapped, and the kernel frees it with the last mapping, however the
 * processes end. There is nothing in {@code /dev/shm} to clean up, ever. Names chosen by the caller are not
 * supported (the name must locate the memory). {@link #attach} also takes a POSIX name, such as CPython's
 * {@code SharedMemory(create=True)} makes: the file of that name in {@code /dev/shm}, which forkj never creates.
 *
 * <p>Passed to a FORK, SPAWN or standby child as an argument, it crosses as its fd and needs no name. Serialized
 * anywhere else (a {@link Queue}, a {@link Connection}, a {@link Pool}'s task, a {@link Manager}'s object), it is its
 * name, as Python pickles one, and the reader attaches: the name must still resolve when it is read.
 */
public final class SharedMemory implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final Pattern NAME = Pattern.compile("forkj_(\\d{1,10})_(\\d{1,10})_([0-9a-f]{16})");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int O_RDWR = LinuxLibC.Flags.O_RDWR;
    private static final int O_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;

    private final transient SharedSegment segment;
    private final String name;

    SharedMemory(SharedSegment segment, String name) {
        this.segment = segment;
        this.name = name;
    }

    /**
     * Python's {@code SharedMemory(create=True, size=size)}: new zero-filled memory with a generated name.
     *
     * @throws IllegalArgumentException if size is not positive (Python: {@code ValueError})
     */
    public static SharedMemory create(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("SharedMemory size " + size + " must be a positive number of bytes"
                    + " (Python: ValueError: 'size' must be a positive number different from zero)");
        }
        String token = String.format("%016x", RANDOM.nextLong());
        SharedSegment segment = SharedSegment.create("forkj-shm-" + token, size);
        return new SharedMemory(segment, "forkj_" + Self.pid() + "_" + segment.fd() + "_" + token);
    }

    /**
     * Python's {@code SharedMemory(name)}: attaches to memory another process created. A forkj name
     * ({@code forkj_PID_FD_TOKEN}) resolves through its keeper's fd; any other name is POSIX shared memory, such as
     * CPython's {@code SharedMemory(create=True)} makes ({@code psm_...}; a leading {@code /} is optional), the file
     * of that name in {@code /dev/shm}, of the file's size.
     *
     * @throws NoSuchElementException   if nothing has that name now (Python: {@code FileNotFoundError}): its
     *                                  creator exited, closed or unlinked it
     * @throws PosixException           if the open is refused otherwise ({@code EACCES}: another user's memory,
     *                                  {@code EISDIR}, {@code EMFILE}), with the errno and the call
     * @throws IllegalArgumentException if the name is neither a forkj name nor a POSIX one (one component, not
     *                                  {@code .} or {@code ..}, at most 255 bytes), or names an empty file
     */
    public static SharedMemory attach(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return attachPosix(name);
        }
        String memfd = "/memfd:forkj-shm-" + m.group(3) + " (deleted)";
        return map(ProcFs.fdOf(m.group(1), m.group(2)), name, name, memfd, "pid " + m.group(1));
    }

    /**
     * Opens {@code path} and maps the whole file as memory named {@code name} ({@code asked}, as the caller wrote it,
     * in errors). For a forkj name, {@code memfd} is what the opened fd must link to, and {@code keeper} the process
     * whose fd it is; null for a POSIX name. (No lambda: a FORK child may attach, and must link no call site.)
     */
    private static SharedMemory map(String path, String name, String asked, String memfd, String keeper) {
        int fd = Native.posix().open(path, O_RDWR | O_CLOEXEC, 0);
        if (fd < 0) {
            PosixException refused = new PosixException("open(" + path + ") of shared memory " + asked, Native.errno());
            if (refused.errno() != Errno.ENOENT.number()) {
                throw refused; // EACCES, EISDIR, EMFILE...: Python's PermissionError, IsADirectoryError, OSError
            }
            throw new NoSuchElementException("no shared memory named " + asked + " (Python: FileNotFoundError): "
                    + refused.getMessage() + (memfd == null ? "" : "; the name lasts while its creator keeps it"));
        }
        try {
            if (memfd != null) {
                String target = Files.readSymbolicLink(Path.of(ProcFs.selfFd(fd))).toString();
                if (!target.equals(memfd)) {
                    throw new NoSuchElementException("no shared memory named " + asked + " (Python:"
                            + " FileNotFoundError): that fd of " + keeper + " is now " + target);
                }
            }
            long size = Files.size(Path.of(ProcFs.selfFd(fd)));
            if (size <= 0 || size > SharedSegment.MAX_SIZE) {
                throw new IllegalArgumentException("shared memory " + asked + " has " + size + " bytes: attachable"
                        + " between 1 and " + SharedSegment.MAX_SIZE + " (Python: ValueError: cannot mmap an empty file)");
            }
            return new SharedMemory(SharedSegment.attach(fd, (int) size), name);
        } catch (IOException e) {
            Native.libc().close(fd);
            throw new java.io.UncheckedIOException(e);
        } catch (RuntimeException e) {
            Native.libc().close(fd);
            throw e;
        }
    }

    /** The random part of the name, which the memfd's own name carries too. */
    String token() {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalStateException("SharedMemory name " + name + " has no token");
        }
        return m.group(3);
    }

    /** The same memory, named by another process's fd (a manager's server that keeps it open). */
    SharedMemory keptBy(long pid, int fd) {
        return new SharedMemory(segment, "forkj_" + pid + "_" + fd + "_" + token());
    }

    /** The segment, for {@link ShareableList}, which lays its items out in it. */
    SharedSegment segment() {
        return segment;
    }

    /** Where glibc's {@code shm_open} keeps POSIX shared memory on Linux. */
    private static final Path POSIX_SHM = Path.of("/dev/shm");

    private static SharedMemory attachPosix(String name) {
        String file = name.startsWith("/") ? name.substring(1) : name;
        if (file.isEmpty() || file.contains("/") || file.equals(".") || file.equals("..") || file.indexOf('\0') >= 0
                || file.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("\"" + name + "\" is neither a forkj SharedMemory name"
                    + " (forkj_PID_FD_TOKEN) nor a POSIX shared memory name (one component of at most 255 bytes, as"
                    + " Python's SharedMemory names)");
        }
        return map(POSIX_SHM.resolve(file).toString(), file, name, null, null);
    }

    /** Python's {@code name}. */
    public String name() {
        return name;
    }

    /** Python's {@code size}: bytes, exactly as created. */
    public int size() {
        return segment.size();
    }

    /**
     * Python's {@code buf}: a view of the memory (its own position and limit, native byte order). A view kept past
     * {@link #close()} still reads and writes the shared memory, and this process unmaps it only once every view
     * (and every buffer sliced from one) is garbage, as a {@code MappedByteBuffer} is unmapped: touching a view
     * never touches unmapped memory. (CPython's {@code close()} raises {@code BufferError} while views exist.)
     *
     * @throws IllegalStateException if this process closed it
     */
    public ByteBuffer buf() {
        return segment.view("SharedMemory");
    }

    /**
     * Python's {@code close()}: unmaps it in this process, at once if no {@link #buf()} view was taken, otherwise
     * when the last view is garbage (the creator's close also ends the name at once).
     */
    public void close() {
        segment.close();
    }

    /**
     * Python's {@code unlink()}: the name stops resolving (called in the creator; in another process it only
     * drops that process's fd). The memory stays mapped where it is mapped and is freed with the last mapping. For
     * POSIX shared memory ({@link #attach} of another name) it removes the name from {@code /dev/shm}, from any
     * process, as Python's does.
     *
     * @throws java.io.UncheckedIOException if the POSIX name cannot be removed (already gone: nothing is thrown)
     */
    public void unlink() {
        segment.closeFd();
        if (!NAME.matcher(name).matches()) {
            try {
                Files.deleteIfExists(POSIX_SHM.resolve(name));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("unlink of shared memory " + name, e);
            }
        }
    }

    /**
     * To a child being started: its fd, which needs no name. Anywhere else (a queue, a pipe, a pool's task, a
     * manager): its name, as Python pickles a {@code SharedMemory}; the reader attaches, so the name must still
     * resolve there (its creator, or the manager that keeps it, still has it).
     */
    @Serial
    private Object writeReplace() throws ObjectStreamException {
        if (!FdExport.isOpen()) {
            return new ByName(name);
        }
        return Handle.of(Handle.Kind.SHARED_MEMORY, segment, "SharedMemory", ' ', 0, null, name);
    }

    /** A SharedMemory serialized outside a child's start: its name, attached when read. */
    private static final class ByName implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        private final String name;

        ByName(String name) {
            this.name = name;
        }

        @Serial
        private Object readResolve() throws ObjectStreamException {
            try {
                return attach(name);
            } catch (NoSuchElementException | IllegalArgumentException gone) {
                java.io.InvalidObjectException e = new java.io.InvalidObjectException(gone.getMessage());
                e.initCause(gone);
                throw e;
            }
        }
    }

    @Override
    public String toString() {
        return "SharedMemory('" + name + "', size=" + size() + ")";
    }
}
