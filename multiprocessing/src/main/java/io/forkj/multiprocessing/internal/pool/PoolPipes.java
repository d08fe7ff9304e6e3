package io.forkj.multiprocessing.internal.pool;

import io.forkj.posix.internal.libc.CPath;
import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.libc.Native;
import io.forkj.posix.internal.proc.ProcParser;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The pipes of pools and managers, which a FORK child must not keep copies of. {@code fork(2)} copies every fd,
 * close-on-exec or not: a FORK pool worker forked while another worker's task pipe is open holds a copy of its
 * write end, so that worker never sees end of file when the pool closes it, and a copy of a result pipe's write end
 * hides a worker's death from the pool's reader. Two workers forked while both pipes existed waited on each other
 * for ever at {@code close()}.
 *
 * <p>So every such pipe is registered here by its inode ({@code pipe:[N]} in {@code /proc/self/fd}) and every FORK
 * child closes, before its body, each fd on a registered pipe except the ones handed to it ({@link #hand}). The
 * registry is read in the child from the memory the fork copied: every change to it, and every FORK start, holds
 * {@link #FORK_LOCK}, so that the copy is never half-updated and a pipe is never created unregistered between a
 * {@code pipe2} and a concurrent fork.
 */
public final class PoolPipes {
    /** Held around every FORK start and every change to the registry. */
    public static final Object FORK_LOCK = new Object();
    private static final String PIPE_PREFIX = "pipe:[";
    private static final Path FD_DIR = ProcFs.self("fd");
    private static final byte[] FD_DIR_PREFIX = (FD_DIR + "/").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NUL = {0};
    /** "pipe:[" and an inode of at most 20 digits, with room to tell a longer target. */
    private static final int LINK_BYTES = 64;

    private static volatile long[] inodes = new long[0];
    private static volatile int[] handed = new int[0];

    private PoolPipes() {
    }

    /** Registers the pipe {@code fd} is an end of; returns its inode (0 if it cannot be read: not registered). */
    static long register(int fd) {
        synchronized (FORK_LOCK) {
            long inode = pipeInode(fd);
            if (inode > 0) {
                long[] now = inodes;
                long[] next = Arrays.copyOf(now, now.length + 1);
                next[now.length] = inode;
                inodes = next;
            }
            return inode;
        }
    }

    /** Forgets pipes whose every end is closed in this process (a finished worker's). */
    static void forget(long... gone) {
        synchronized (FORK_LOCK) {
            inodes = Arrays.stream(inodes).filter(i -> Arrays.stream(gone).noneMatch(g -> g == i)).toArray();
        }
    }

    /**
     * The fds the next FORK child keeps (its own pipe ends); empty to clear. The caller holds {@link #FORK_LOCK}
     * from here until the child is forked and this is cleared.
     */
    static void hand(int... fds) {
        handed = fds.clone();
    }

    /** How many pipes are registered (for tests). */
    public static int registered() {
        return inodes.length;
    }

    /**
     * In a FORK child, before its body: closes its copies of every registered pipe's ends except those handed
     * to it. Makes only calls the parent has made first ({@link #warmUp()}).
     */
    public static void closeCopiesInChild() {
        long[] registered = inodes;
        if (registered.length == 0) {
            return;
        }
        int[] keep = handed;
        for (int fd : copiesOf(registered, keep)) {
            Native.libc().close(fd);
        }
    }

    /** Runs the child's scan in this process, without closing anything. */
    public static void warmUp() {
        copiesOf(new long[] {-1}, new int[0]);
    }

    private static int[] copiesOf(long[] registered, int[] keep) {
        String[] names = new File(FD_DIR.toString()).list();
        if (names == null) {
            return new int[0];
        }
        int[] found = new int[names.length];
        int count = 0;
        for (String name : names) {
            int fd = (int) ProcParser.parseLong(name);
            long inode = pipeInode(fd);
            if (inode > 0 && contains(registered, inode) && !contains(keep, fd)) {
                found[count++] = fd;
            }
        }
        return Arrays.copyOf(found, count);
    }

    /**
     * The pipe inode of {@code fd}, or 0 if it is not a pipe or is gone. Read with {@code readlink(2)} into a byte
     * array, never {@code Files.readSymbolicLink}: a FORK child runs this before its body, on whatever thread
     * started it, and java.nio gives a thread its first native path buffer from the common {@code Cleaner}, under a
     * monitor the parent's cleaner thread may have held at the fork (a manager's FORK children stalled on it).
     */
    private static long pipeInode(int fd) {
        byte[] target = new byte[LINK_BYTES];
        long n = Native.libc().readlink(CPath.numbered(FD_DIR_PREFIX, fd, NUL), target, target.length);
        if (n <= PIPE_PREFIX.length() || n >= target.length || target[(int) n - 1] != ']') {
            return 0;
        }
        for (int i = 0; i < PIPE_PREFIX.length(); i++) {
            if (target[i] != PIPE_PREFIX.charAt(i)) {
                return 0;
            }
        }
        try {
            return ProcParser.parseLong(target, PIPE_PREFIX.length(), (int) n - 1);
        } catch (RuntimeException notANumber) {
            return 0;
        }
    }

    private static boolean contains(long[] values, long value) {
        for (long v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(int[] values, int value) {
        for (int v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }
}
