package io.forkj.posix.internal.daemon;

import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.posix.DaemonException;
import io.forkj.posix.DaemonStatus;
import io.forkj.posix.DaemonStatus.State;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.proc.ProcLocks;
import io.forkj.posix.internal.proc.LinuxProcessTable;
import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcStat;
import jnr.constants.platform.Sysconf;
import jnr.posix.FileStat;
import jnr.posix.POSIX;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pid file protocol. The launcher creates (or takes over) the file and holds {@code flock(LOCK_EX)} on it
 * before forking; the daemon inherits that open file description, so the lock is the daemon's from then on and
 * is released by the kernel only when the daemon's last copy of the fd closes, that is when it dies. The lock,
 * not the pid written in the file, says whether a daemon lives: a file nobody has locked is stale whatever it
 * says.
 */
public final class PidFile {
    static final int LOCK_EX = 2;
    static final int LOCK_NB = 4;
    private static final int O_RDONLY = LinuxLibC.Flags.O_RDONLY;
    private static final int O_WRONLY = LinuxLibC.Flags.O_WRONLY;
    private static final int O_RDWR = LinuxLibC.Flags.O_RDWR;
    private static final int O_CREAT = LinuxLibC.Flags.O_CREAT;
    private static final int O_EXCL = LinuxLibC.Flags.O_EXCL;
    private static final int O_NOFOLLOW = LinuxLibC.Flags.O_NOFOLLOW;
    private static final int O_CLOEXEC = LinuxLibC.Flags.O_CLOEXEC;
    private static final int O_NONBLOCK = LinuxLibC.Flags.O_NONBLOCK;
    /** btime (whole seconds) and the pid file's mtime are coarse; NTP may also move btime a little. */
    private static final long START_TIME_SLACK_SECONDS = 2;
    private static final int ATTEMPTS = 5;

    private static final POSIX POSIX = Native.posix();

    private PidFile() {
    }

    /** The launcher's lock on a pid file: an fd without {@code O_CLOEXEC}, so the daemon inherits it. */
    public static final class Lock {
        private final Path path;
        private int fd;

        private Lock(Path path, int fd) {
            this.path = path;
            this.fd = fd;
        }

        /** The open, locked, empty file. */
        public int fd() {
            return fd;
        }

        /** The file. */
        public Path path() {
            return path;
        }

        /** Closes the launcher's copy: the daemon's copy keeps the lock. */
        public void release() {
            if (fd >= 0) {
                POSIX.close(fd);
                fd = -1;
            }
        }

        /** Empties the file again after a stalled attempt, whose daemon may have written its pid already. */
        public void reset() {
            if (POSIX.ftruncate(fd, 0) != 0 || POSIX.lseek(fd, 0, 0) != 0) {
                throw new PosixException("ftruncate/lseek(" + path + ", 0)", Native.errno());
            }
        }

        /** The start failed: removes the file while still holding the lock (nobody else can own it), then closes. */
        public void discard() {
            if (fd >= 0) {
                POSIX.unlink(path.toString());
                release();
            }
        }
    }

    /**
     * Creates the pid file with {@code O_CREAT|O_EXCL|O_NOFOLLOW|O_WRONLY}, mode 0644, and locks it; if it exists,
     * takes it over when nobody holds its lock (a stale file from a dead daemon), after checking the path still
     * names the locked inode. Truncates it for the daemon's pid.
     *
     * @throws DaemonException if a live daemon holds it
     * @throws PosixException  if the file cannot be opened or locked (a symbolic link gives {@code ELOOP})
     */
    public static Lock acquire(Path path) {
        String name = path.toString();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int fd = POSIX.open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
            boolean created = fd >= 0;
            if (!created) {
                int errno = Native.errno();
                if (errno != Errno.EEXIST.number()) {
                    throw new PosixException("open(" + name + ", O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW, 0644)", errno);
                }
                fd = POSIX.open(name, O_RDWR | O_NOFOLLOW | O_NONBLOCK, 0);
                if (fd < 0) {
                    errno = Native.errno();
                    if (errno == Errno.ENOENT.number()) {
                        continue; // removed between the two opens: create it afresh
                    }
                    throw new PosixException("open(" + name + ", O_RDWR|O_NOFOLLOW|O_NONBLOCK)", errno,
                            errno == Errno.ELOOP.number() ? "the pid file is a symbolic link; forkj never follows one" : null);
                }
            }
            if (POSIX.flock(fd, LOCK_EX | LOCK_NB) != 0) {
                int errno = Native.errno();
                POSIX.close(fd);
                if (errno == Errno.EAGAIN.number()) {
                    FileStat named = identity(path);
                    throw new DaemonException("pid file " + name + " is locked by a running daemon"
                            + (named == null ? "" : describePid(Content.read(path, named))));
                }
                throw new PosixException("flock(" + name + ", LOCK_EX|LOCK_NB)", errno);
            }
            if (!namesOpenFile(path, fd)) {
                POSIX.close(fd); // replaced between open and flock: the lock is on a file nobody will look at
                continue;
            }
            if (!created) {
                // Only an empty file (a start killed before its daemon wrote) or a provably stale pid file is
                // taken over: --pidfile naming any other file must not truncate it.
                FileStat open = POSIX.fstat(fd);
                Content content = open.isFile() ? Content.of(fd) : Content.read(path, open);
                DaemonStatus verdict = unlocked(path, open, content);
                if (!content.empty() && verdict.state() != State.STALE) {
                    POSIX.close(fd);
                    throw new DaemonException("not taking over " + name + ": " + verdict.detail());
                }
            }
            if ((created && POSIX.fchmod(fd, 0644) != 0) || POSIX.ftruncate(fd, 0) != 0) {
                int errno = Native.errno();
                POSIX.close(fd);
                throw new PosixException((created ? "fchmod/ftruncate(" : "ftruncate(") + name + ")", errno);
            }
            return new Lock(path, fd);
        }
        throw new DaemonException("pid file " + name + " was replaced " + ATTEMPTS
                + " times while it was being locked; another launcher is racing for it");
    }

    /**
     * Verifies what the pid file says, touching no lock (reads /proc/locks and /proc/PID). {@link State#STALE}
     * only for a provably stale forkj pid file: content exactly a pid and a newline, nobody holds its lock, and
     * that pid is not a live process started before the file was written. Any other unlocked file is
     * {@link State#UNVERIFIED}, with what it holds in the detail.
     */
    public static DaemonStatus status(Path path) {
        FileStat file = identity(path);
        if (file == null) {
            return new DaemonStatus(State.NOT_RUNNING, 0, path, "no pid file " + path);
        }
        Content content = Content.read(path, file);
        if (!ProcLocks.isLocked(file.dev(), file.ino())) {
            return unlocked(path, file, content);
        }
        if (content.pid <= 0) {
            return new DaemonStatus(State.UNVERIFIED, 0, path, path + " is locked but holds no pid"
                    + (content.empty() ? " yet: a daemon is starting" : ": it " + content.description()));
        }
        int pid = content.pid;
        if (!holdsOpen(pid, file)) {
            return new DaemonStatus(State.UNVERIFIED, pid, path, path + " is locked, but pid " + pid
                    + " does not hold it open: the pid was recycled or the file was rewritten");
        }
        long started = startEpochSeconds(pid);
        if (started > file.mtime() + START_TIME_SLACK_SECONDS) {
            return new DaemonStatus(State.UNVERIFIED, pid, path, "pid " + pid + " started at " + started
                    + " (epoch s), after " + path + " was written at " + file.mtime() + ": not the daemon that wrote it");
        }
        return new DaemonStatus(State.RUNNING, pid, path, "running as pid " + pid);
    }

    private static DaemonStatus unlocked(Path path, FileStat file, Content content) {
        String nobody = "nobody holds the lock on " + path;
        if (content.pid <= 0) {
            return new DaemonStatus(State.UNVERIFIED, 0, path, nobody + ", but it is not a forkj pid file: it "
                    + content.description() + " (a pid file holds exactly a pid and a newline); left in place");
        }
        int pid = content.pid;
        if (!isLive(pid)) {
            return new DaemonStatus(State.STALE, pid, path, nobody + " and no live process has pid " + pid
                    + ": the daemon is gone");
        }
        long started = startEpochSeconds(pid);
        if (started > file.mtime() + START_TIME_SLACK_SECONDS) {
            return new DaemonStatus(State.STALE, pid, path, nobody + " and pid " + pid + " now names a process "
                    + "started after the file was written (the pid was recycled): the daemon is gone");
        }
        return new DaemonStatus(State.UNVERIFIED, pid, path, nobody + ", but pid " + pid + " is alive and started "
                + "before the file was written: it may be the daemon, having closed its pid file; left in place");
    }

    /**
     * What a pid file holds, read through an fd (at most {@link #MAX_READ} bytes, so a huge or endless file costs
     * nothing) that never follows a link and never blocks (a FIFO).
     */
    static final class Content {
        static final int MAX_READ = 64;
        /** The pid when the content is exactly a pid and a newline, else 0. */
        final int pid;
        final long size;
        final String shown;
        final boolean regular;

        private Content(int pid, long size, String shown, boolean regular) {
            this.pid = pid;
            this.size = size;
            this.shown = shown;
            this.regular = regular;
        }

        static Content read(Path path, FileStat file) {
            if (!file.isFile()) {
                return new Content(0, file.st_size(), "", false);
            }
            int fd = POSIX.open(path.toString(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0);
            if (fd < 0) {
                int errno = Native.errno();
                if (errno == Errno.ENOENT.number()) {
                    return new Content(0, 0, "", true);
                }
                throw new PosixException("open(" + path + ", O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK)", errno);
            }
            try {
                return of(fd);
            } finally {
                POSIX.close(fd);
            }
        }

        /** Reads from offset 0 of an open regular file. */
        static Content of(int fd) {
            byte[] bytes = new byte[MAX_READ];
            byte[] chunk = new byte[MAX_READ];
            int n = 0;
            while (n < MAX_READ) {
                int r = POSIX.pread(fd, chunk, MAX_READ - n, n);
                if (r < 0) {
                    int errno = Native.errno();
                    if (errno == Errno.EINTR.number()) {
                        continue;
                    }
                    throw new PosixException("pread(pid file)", errno);
                }
                if (r == 0) {
                    break;
                }
                System.arraycopy(chunk, 0, bytes, n, r);
                n += r;
            }
            long size = POSIX.fstat(fd).st_size();
            return new Content(pidOf(bytes, n, size), size, show(bytes, n), true);
        }

        /** The pid if the bytes are exactly {@code [1-9][0-9]*\n} (and the whole file), else 0. */
        private static int pidOf(byte[] b, int n, long size) {
            if (size != n || n < 2 || b[n - 1] != '\n' || b[0] < '1' || b[0] > '9' || n > 11) {
                return 0;
            }
            long pid = 0;
            for (int i = 0; i < n - 1; i++) {
                if (b[i] < '0' || b[i] > '9') {
                    return 0;
                }
                pid = pid * 10 + (b[i] - '0');
            }
            return pid <= Integer.MAX_VALUE ? (int) pid : 0;
        }

        private static String show(byte[] b, int n) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < n && text.length() < 40; i++) {
                int c = b[i] & 0xff;
                if (c == '\n') {
                    text.append("\\n");
                } else if (c >= 0x20 && c < 0x7f && c != '\\') {
                    text.append((char) c);
                } else {
                    text.append(String.format("\\x%02x", c));
                }
            }
            return text.toString();
        }

        boolean empty() {
            return regular && size == 0;
        }

        /** "holds 11 bytes: '1234garbage'", for messages. */
        String description() {
            if (!regular) {
                return "is not a regular file";
            }
            if (size == 0) {
                return "is empty";
            }
            return "holds " + size + " byte" + (size == 1 ? "" : "s") + ": '" + shown + "'"
                    + (size > MAX_READ || shown.length() >= 40 ? "..." : "");
        }
    }

    /** True for a process that exists and is not a zombie (a dead daemon its subreaper has not reaped yet). */
    private static boolean isLive(int pid) {
        try {
            return ProcStat.read(pid).map(stat -> stat.state() != 'Z').orElse(false);
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    /** True while some process holds the lock on the file {@code path} named when {@code status} was taken. */
    static boolean stillLocked(FileStat file) {
        return ProcLocks.isLocked(file.dev(), file.ino());
    }

    /** The identity (device, inode, mtime) of the file at {@code path} now, or null when there is none. */
    static FileStat identity(Path path) {
        FileStat file = POSIX.allocateStat();
        if (POSIX.lstat(path.toString(), file) == 0) {
            return file;
        }
        int errno = Native.errno();
        if (errno == Errno.ENOENT.number()) {
            return null;
        }
        throw new PosixException("lstat(" + path + ")", errno);
    }

    /**
     * Removes the pid file if, under its lock (taken first, so no starting daemon loses its file), it still holds
     * exactly {@code pid} and a newline: the pid file {@code status} or {@code stop} verified, nothing else.
     *
     * @return true if this call removed it
     */
    static boolean removeIfStill(Path path, int pid) {
        String name = path.toString();
        int fd = POSIX.open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0);
        if (fd < 0) {
            int errno = Native.errno();
            if (errno == Errno.ENOENT.number()) {
                return false;
            }
            throw new PosixException("open(" + name + ", O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK)", errno);
        }
        try {
            if (POSIX.flock(fd, LOCK_EX | LOCK_NB) != 0) {
                int errno = Native.errno();
                if (errno == Errno.EAGAIN.number()) {
                    return false; // a new daemon owns it now
                }
                throw new PosixException("flock(" + name + ", LOCK_EX|LOCK_NB)", errno);
            }
            if (!namesOpenFile(path, fd) || !POSIX.fstat(fd).isFile() || Content.of(fd).pid != pid) {
                return false; // replaced or rewritten since it was verified
            }
            if (POSIX.unlink(name) != 0) {
                throw new PosixException("unlink(" + name + ")", Native.errno());
            }
            return true;
        } finally {
            POSIX.close(fd);
        }
    }

    private static String describePid(Content content) {
        return content.pid > 0 ? " (pid " + content.pid + ")" : content.empty() ? " (no pid written yet: it is starting)"
                : " (it " + content.description() + ")";
    }

    private static boolean namesOpenFile(Path path, int fd) {
        FileStat open = POSIX.fstat(fd);
        FileStat named = identity(path);
        return named != null && open.dev() == named.dev() && open.ino() == named.ino();
    }

    /** True if process {@code pid} has an fd on the very file {@code file} (same device and inode). */
    private static boolean holdsOpen(int pid, FileStat file) {
        Path fds = ProcFs.fdDirectory(pid);
        try (var list = Files.list(fds)) {
            FileStat target = POSIX.allocateStat();
            for (Path fd : (Iterable<Path>) list::iterator) {
                if (POSIX.stat(fd.toString(), target) == 0 && target.dev() == file.dev() && target.ino() == file.ino()) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false; // gone, or not ours to inspect: then it cannot be verified
        }
    }

    /** Wall-clock start of {@code pid} in epoch seconds: /proc/stat btime plus /proc/PID/stat starttime. */
    private static long startEpochSeconds(int pid) {
        try {
            return ProcStat.read(pid).map(stat -> LinuxProcessTable.startInstant(stat.startTime()).getEpochSecond())
                    .orElse(Long.MAX_VALUE); // gone: certainly not the process that wrote the file
        } catch (java.io.UncheckedIOException unreadable) {
            return Long.MAX_VALUE;
        }
    }
}
