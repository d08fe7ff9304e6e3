package io.forkj.posix;

import io.forkj.PosixException;
import io.forkj.posix.internal.children.KnownChildren;
import io.forkj.posix.internal.libc.CStrings;
import io.forkj.posix.internal.spawn.Redirects;
import io.forkj.posix.internal.spawn.SpawnCall;
import io.forkj.posix.internal.proc.StartTimes;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs another program with {@code posix_spawnp(3)}: C's {@code posix_spawnp}, Python's
 * {@code os.posix_spawnp} and {@code subprocess.Popen(close_fds=True, pass_fds=...)}. No Java code runs in
 * the child: glibc creates it with {@code CLONE_VFORK}, applies the file actions and execs, and reports a
 * failed exec as an error of the call ({@code ENOENT}, {@code EACCES}), not as exit code 127.
 *
 * <pre>{@code
 * Child child = Spawn.command("ls", "-l").directory(Path.of("/tmp")).stdout(Redirect.to(file)).exec();
 * int code = child.waitFor().toExitCode();
 * }</pre>
 *
 * <p>The program gets fds 0, 1 and 2 and the fds named with {@link #passFds(int...)}, nothing else (the JVM
 * holds many fds without close-on-exec; {@code posix_spawn_file_actions_addclosefrom_np} closes them), an
 * empty signal mask, and every signal disposition at its default ({@code POSIX_SPAWN_SETSIGMASK},
 * {@code POSIX_SPAWN_SETSIGDEF}). The working directory is set with
 * {@code posix_spawn_file_actions_addchdir_np} (glibc 2.29; this library needs glibc 2.34 for closefrom).
 * jnr-posix's own {@code posix_spawnp} is not used: it returns -1 and drops the error number, and binds
 * neither of those two actions.
 *
 * <p>A value: every method returns a changed copy.
 */
public final class Spawn {
    private final List<String> argv;
    private final Map<String, String> environment;
    private final Path directory;
    private final Redirect[] stdio;
    private final int[] passFds;
    private final boolean newSession;
    private final int processGroup;

    private Spawn(List<String> argv, Map<String, String> environment, Path directory, Redirect[] stdio,
                  int[] passFds, boolean newSession, int processGroup) {
        this.argv = argv;
        this.environment = environment;
        this.directory = directory;
        this.stdio = stdio;
        this.passFds = passFds;
        this.newSession = newSession;
        this.processGroup = processGroup;
    }

    /**
     * Spawns {@code argv} with the parent's environment, directory and stdio: {@code command(argv).exec()}.
     *
     * @throws PosixException with {@code ENOENT} if the program is not found, {@code EACCES} if it is not
     *                        executable
     */
    public static Child exec(String... argv) {
        return command(argv).exec();
    }

    /**
     * A spawn of {@code argv[0]}, looked up in {@code PATH} unless it contains a slash, with {@code argv} as
     * its arguments (argv[0] included).
     *
     * @throws IllegalArgumentException if argv is empty or holds a NUL character
     */
    public static Spawn command(String... argv) {
        return command(Arrays.asList(argv));
    }

    /** {@link #command(String...)} from a list. */
    public static Spawn command(List<String> argv) {
        List<String> copy = List.copyOf(argv);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("argv is empty: it needs at least the program name");
        }
        for (String a : copy) {
            noNul("argument", a);
        }
        return new Spawn(copy, null, null, new Redirect[] {Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT},
                new int[0], false, -1);
    }

    /**
     * A copy whose program gets exactly this environment (by default the JVM's, {@code System.getenv()}).
     *
     * @throws IllegalArgumentException if a name is empty or holds '=' or NUL, or a value holds NUL
     */
    public Spawn environment(Map<String, String> env) {
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0) {
                throw new IllegalArgumentException("environment name '" + e.getKey() + "' must be non-empty and hold no '='");
            }
            noNul("environment name", e.getKey());
            noNul("environment value", e.getValue());
        }
        return new Spawn(argv, Map.copyOf(env), directory, stdio, passFds, newSession, processGroup);
    }

    /**
     * A copy that starts the program in {@code dir}. A relative program path is then resolved from there.
     *
     * @throws IllegalArgumentException if {@code dir} is not a directory now
     */
    public Spawn directory(Path dir) {
        Path absolute = dir.toAbsolutePath();
        if (!Files.isDirectory(absolute)) {
            throw new IllegalArgumentException("working directory " + absolute + " is not a directory");
        }
        return new Spawn(argv, environment, absolute, stdio, passFds, newSession, processGroup);
    }

    /** A copy with fd 0 from {@link Redirect#INHERIT} or {@code Redirect.from(file)}. */
    public Spawn stdin(Redirect redirect) {
        return withStdio(0, Redirects.checkInput(redirect));
    }

    /** A copy with fd 1 to INHERIT, DISCARD, {@code Redirect.to(file)} or {@code Redirect.appendTo(file)}. */
    public Spawn stdout(Redirect redirect) {
        return withStdio(1, Redirects.checkOutput("stdout", redirect));
    }

    /** A copy with fd 2 to INHERIT, DISCARD, {@code Redirect.to(file)} or {@code Redirect.appendTo(file)}. */
    public Spawn stderr(Redirect redirect) {
        return withStdio(2, Redirects.checkOutput("stderr", redirect));
    }

    /**
     * A copy that passes these open fds to the program at the same numbers (Python's {@code pass_fds}), even
     * if they are close-on-exec.
     *
     * @throws IllegalArgumentException for fds 0..2 (use the redirects) or negative ones
     */
    public Spawn passFds(int... fds) {
        for (int fd : fds) {
            if (fd <= 2) {
                throw new IllegalArgumentException("fd " + fd + " cannot be passed: fds 0, 1, 2 are set with stdin/stdout/stderr,"
                        + " and negative fds do not exist");
            }
        }
        return new Spawn(argv, environment, directory, stdio, fds.clone(), newSession, processGroup);
    }

    /**
     * A copy whose program starts a new session with no controlling terminal (C's {@code setsid()},
     * {@code POSIX_SPAWN_SETSID}; Python's {@code start_new_session=True}).
     */
    public Spawn newSession() {
        return new Spawn(argv, environment, directory, stdio, passFds, true, -1);
    }

    /**
     * A copy whose program joins process group {@code pgid}, or leads a new one for 0 ({@code setpgid},
     * {@code POSIX_SPAWN_SETPGROUP}; Python's {@code process_group=0}).
     *
     * @throws IllegalArgumentException if {@code pgid < 0}
     */
    public Spawn processGroup(int pgid) {
        if (pgid < 0) {
            throw new IllegalArgumentException("process group " + pgid + " must be >= 0 (0: a new group led by the child)");
        }
        return new Spawn(argv, environment, directory, stdio, passFds, false, pgid);
    }

    /**
     * Spawns the program; returns once it has been executed.
     *
     * @return its handle; it has no deadline (no Java runs in it), so {@link Child#waitFor()} waits as long as
     *         the program runs
     * @throws PosixException with the error posix_spawnp returned: {@code ENOENT}, {@code EACCES},
     *                        {@code ENOEXEC}, {@code E2BIG}, {@code EAGAIN}, or a redirect's open error
     */
    public Child exec() {
        // null: this JVM's environment, encoded once (SpawnCall)
        String[] envpArray = environment == null ? null : CStrings.environment(environment).toArray(new String[0]);
        String[] argvArray = argv.toArray(new String[0]);
        String dir = directory == null ? null : directory.toString();
        long start = System.nanoTime();
        KnownChildren.forkStarting();
        try {
            long bootBefore = StartTimes.bootNanos();
            int pid = SpawnCall.spawn(argvArray, envpArray, dir, stdio.clone(), passFds, newSession, processGroup);
            return new Child(pid, start, bootBefore, StartTimes.bootNanos(), null, 0, false);
        } finally {
            KnownChildren.forkRecorded();
        }
    }

    private Spawn withStdio(int fd, Redirect redirect) {
        Redirect[] copy = stdio.clone();
        copy[fd] = redirect;
        return new Spawn(argv, environment, directory, copy, passFds, newSession, processGroup);
    }

    private static void noNul(String what, String s) {
        if (Objects.requireNonNull(s, what).indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " '" + s.replace("\0", "\\0") + "' holds a NUL character, which C strings cannot carry");
        }
    }
}
