package io.forkj.posix.internal.proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one owner of the {@code /proc} root: every path into {@code /proc} that forkj's production code uses comes
 * from here, and so does the one way to read a small {@code /proc} file whole ({@link #read}).
 *
 * <p>Two kinds of path, on purpose:
 * <ul>
 *   <li>What describes processes by pid, and the top-level files ({@code stat}, {@code locks}), follows the
 *       configured root ({@link #system()}): {@code /proc} unless the system property {@value #ROOT_PROPERTY}
 *       names another directory, read once at class initialization. It is a test and diagnostic knob (a captured
 *       fixture tree standing in for {@code /proc}, as OSHI's {@code ProcPath}), not API. Unit tests build their
 *       own instance with {@link #at(Path)} rather than set the property, which a JVM reads only once.</li>
 *   <li>What names a live object of the kernel, this process's own files ({@code /proc/self/...}: fds,
 *       memory, maps, status, tasks) and another process's fds ({@code /proc/PID/fd/FD}, opened to reach the very
 *       file), always uses the kernel's {@code /proc}: a fixture tree has no fds or memory to open.</li>
 * </ul>
 * The kernel paths a forked child uses are built in the parent (class initialization of their users), never in
 * the child.
 */
public final class ProcFs {
    /** The system property that moves the process-table root away from {@code /proc}, for tests and diagnostics. */
    public static final String ROOT_PROPERTY = "forkj.proc.root";
    private static final String KERNEL_ROOT = "/proc";
    private static final Path SELF = Path.of(KERNEL_ROOT, "self");
    private static final String SELF_FD_PREFIX = KERNEL_ROOT + "/self/fd/";
    private static final ProcFs SYSTEM = new ProcFs(Path.of(System.getProperty(ROOT_PROPERTY, KERNEL_ROOT)));

    private final Path root;

    private ProcFs(Path root) {
        this.root = root;
    }

    /** The configured root: {@code /proc}, or the directory the system property {@value #ROOT_PROPERTY} names. */
    public static ProcFs system() {
        return SYSTEM;
    }

    /** A tree laid out like {@code /proc} at {@code root}, such as a captured fixture. */
    public static ProcFs at(Path root) {
        return new ProcFs(root);
    }

    /** The root directory. */
    public Path root() {
        return root;
    }

    /** A top-level file of the root, such as {@code stat} or {@code locks}. */
    public Path file(String name) {
        return root.resolve(name);
    }

    /** File {@code name} of process {@code pid}, such as {@code stat}, {@code status}, {@code wchan}. */
    public Path pid(long pid, String name) {
        return root.resolve(Long.toString(pid)).resolve(name);
    }

    /** {@code btime} of the root's {@code stat}: the boot time in whole seconds since the epoch. */
    public long bootTimeSeconds() {
        Path stat = file("stat");
        return ProcParser.bootTime(read(stat).orElseThrow(() -> new IllegalStateException(stat + " does not exist")), stat);
    }

    /** This process's own file {@code name} in the kernel's {@code /proc/self} (never the configured root). */
    public static Path self(String name) {
        return SELF.resolve(name);
    }

    /** The kernel's {@code /proc/self}: the link whose target is this process's pid. */
    public static Path selfLink() {
        return SELF;
    }

    /** The path of this process's fd {@code fd} in the kernel's {@code /proc/self/fd}, for opening it again. */
    public static String selfFd(int fd) {
        return SELF_FD_PREFIX + fd;
    }

    /** File {@code name} of process {@code pid} in the kernel's {@code /proc} (never the configured root). */
    public static Path kernelPid(long pid, String name) {
        return Path.of(KERNEL_ROOT, Long.toString(pid), name);
    }

    /** The kernel's {@code /proc/PID/fd} directory of {@code pid}. */
    public static Path fdDirectory(long pid) {
        return Path.of(KERNEL_ROOT, Long.toString(pid), "fd");
    }

    /** The path of fd {@code fd} of process {@code pid} in the kernel's {@code /proc}, for opening that file. */
    public static String fdOf(String pid, String fd) {
        return KERNEL_ROOT + "/" + pid + "/fd/" + fd;
    }

    /**
     * The whole text of a small {@code /proc} file, or empty when it, or the process it belongs to, is gone
     * (ENOENT, or ESRCH from a process that exits between open and read).
     *
     * @throws UncheckedIOException for any other failure (EACCES, ...)
     */
    public static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("No such process")) {
                return Optional.empty();
            }
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #read}, or "" for any failure: for evidence, where an unreadable file means "no verdict". */
    public static String readOrEmpty(Path file) {
        try {
            return read(file).orElse("");
        } catch (RuntimeException unreadable) {
            return "";
        }
    }
}
