package io.forkj.posix;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What {@link Daemon#start(DaemonSpec)} runs and how: the command plus every daemon(7) knob. Immutable; build it
 * with {@link #of(String...)} and the {@code with...} methods, each returning a new spec. The C equivalent is the
 * argument list of {@code daemon(3)} plus what a hand-written double fork does around it.
 *
 * @param command            the program and its arguments; a program without {@code '/'} is looked up in the
 *                           daemon's {@code PATH} (like {@code execvp}), a relative path is taken from the
 *                           launcher's working directory
 * @param pidFile            the pid file, locked while the daemon lives, or {@code null} for none
 * @param log                where stdout and stderr go (appended, created 0644), or {@code null} for
 *                           {@code /dev/null}; stdin is always {@code /dev/null}
 * @param directory          the daemon's working directory, {@code /} by default so it pins no mount
 * @param umask              the daemon's umask, 0..0777, {@code 022} by default
 * @param environmentAllowList the launcher's variables passed through (default {@link #DEFAULT_ALLOW_LIST})
 * @param environment        variables set explicitly, overriding passed-through ones
 * @param uid                user to switch to after the pid file is written, or -1 to keep the launcher's
 * @param gid                group to switch to (also the only supplementary group), or -1 to keep
 * @param readyTimeout       how long the launcher waits for the daemon's {@code execve} to succeed or fail
 * @param notifySocket       where to send {@code READY=1} once ready, or {@code null}; by default the
 *                           launcher's {@code NOTIFY_SOCKET}
 */
public record DaemonSpec(List<String> command, Path pidFile, Path log, Path directory, int umask,
                         Set<String> environmentAllowList, Map<String, String> environment, int uid, int gid,
                         Duration readyTimeout, String notifySocket) {

    /**
     * Variables passed through by default: what a program needs to find binaries and format text and time.
     * Everything else (credentials in the launcher's environment, {@code LD_PRELOAD}, {@code JAVA_TOOL_OPTIONS},
     * {@code NOTIFY_SOCKET}) is dropped, as daemon(7) asks.
     */
    public static final Set<String> DEFAULT_ALLOW_LIST = Set.of("PATH", "LANG", "LC_ALL", "TZ");

    /** Validates every field; the messages name the value and the rule. */
    public DaemonSpec {
        Objects.requireNonNull(command, "command");
        if (command.isEmpty()) {
            throw new IllegalArgumentException("daemon command is empty: it needs at least the program to run");
        }
        command = List.copyOf(command);
        for (String arg : command) {
            noNul("command argument", arg);
        }
        if (command.get(0).isEmpty()) {
            throw new IllegalArgumentException("daemon program name is empty");
        }
        Objects.requireNonNull(directory, "directory");
        if (umask < 0 || umask > 0777) {
            throw new IllegalArgumentException("umask 0" + Integer.toOctalString(umask) + " (" + umask
                    + ") is outside 0..0777");
        }
        environmentAllowList = Set.copyOf(environmentAllowList);
        for (String name : environmentAllowList) {
            variableName(name);
        }
        environment = Map.copyOf(environment);
        environment.forEach((name, value) -> {
            variableName(name);
            noNul("value of " + name, value);
        });
        if (uid < -1 || gid < -1) {
            throw new IllegalArgumentException("uid " + uid + " / gid " + gid + ": ids must be >= 0, or -1 to keep the launcher's");
        }
        Objects.requireNonNull(readyTimeout, "readyTimeout");
        if (readyTimeout.isNegative() || readyTimeout.isZero()) {
            throw new IllegalArgumentException("ready timeout " + readyTimeout + " must be positive");
        }
        if (notifySocket != null && notifySocket.isEmpty()) {
            notifySocket = null;
        }
        if (notifySocket != null && !notifySocket.startsWith("/") && !notifySocket.startsWith("@")) {
            throw new IllegalArgumentException("notify socket '" + notifySocket
                    + "' must be an absolute path or @abstract-name, as in systemd's NOTIFY_SOCKET");
        }
    }

    /**
     * A spec for {@code command} with the defaults: no pid file, output to {@code /dev/null}, cwd {@code /},
     * umask 022, {@link #DEFAULT_ALLOW_LIST}, same user, 10 s ready timeout, {@code NOTIFY_SOCKET} from the
     * launcher's environment.
     */
    public static DaemonSpec of(String... command) {
        return of(List.of(command));
    }

    /** {@link #of(String...)} with a list. */
    public static DaemonSpec of(List<String> command) {
        return new DaemonSpec(command, null, null, Path.of("/"), 022, DEFAULT_ALLOW_LIST, Map.of(), -1, -1,
                Duration.ofSeconds(10), System.getenv("NOTIFY_SOCKET"));
    }

    /**
     * A spec that relaunches this JVM as a daemon (for {@link Daemon#daemonizeSelf(DaemonSpec)}): the same
     * {@code java} binary, the same JVM options ({@code RuntimeMXBean.getInputArguments()}), the same class path,
     * then {@code -D}{@value Daemon#DAEMONIZED_PROPERTY}{@code =true}, {@code mainClass} and {@code args}; the
     * other settings are the defaults of {@link #of(String...)}. The JVM options are passed on as they are, so a
     * debugger agent listening on a fixed port would clash; a module-path launch is refused.
     */
    public static DaemonSpec ofThisJvm(Class<?> mainClass, String... args) {
        if (System.getProperty("jdk.module.path") != null) {
            throw new IllegalArgumentException("this JVM was launched with a module path ("
                    + System.getProperty("jdk.module.path") + "); ofThisJvm relaunches class-path applications only");
        }
        String binary = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new java.util.ArrayList<>();
        command.add(binary);
        command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-D" + Daemon.DAEMONIZED_PROPERTY + "=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return of(command);
    }

    /** This spec with a pid file ({@code null} for none): {@code start-stop-daemon --pidfile}. */
    public DaemonSpec pidFile(Path file) {
        return new DaemonSpec(command, file, log, directory, umask, environmentAllowList, environment, uid, gid,
                readyTimeout, notifySocket);
    }

    /** This spec with stdout and stderr appended to {@code file} ({@code null}: {@code /dev/null}), {@code O_APPEND}. */
    public DaemonSpec log(Path file) {
        return new DaemonSpec(command, pidFile, file, directory, umask, environmentAllowList, environment, uid,
                gid, readyTimeout, notifySocket);
    }

    /** This spec with another working directory ({@code chdir(2)}; {@code ProcessBuilder.directory}). */
    public DaemonSpec directory(Path directory) {
        return new DaemonSpec(command, pidFile, log, directory, umask, environmentAllowList, environment, uid, gid,
                readyTimeout, notifySocket);
    }

    /** This spec with another umask, 0..0777 ({@code umask(2)}, Python's {@code os.umask}). */
    public DaemonSpec umask(int mask) {
        return new DaemonSpec(command, pidFile, log, directory, mask, environmentAllowList, environment, uid, gid,
                readyTimeout, notifySocket);
    }

    /** This spec passing through exactly {@code names} from the launcher's environment. */
    public DaemonSpec environmentAllowList(Set<String> names) {
        return new DaemonSpec(command, pidFile, log, directory, umask, names, environment, uid, gid,
                readyTimeout, notifySocket);
    }

    /** This spec with one more variable set explicitly (C's {@code setenv} in the daemon's {@code envp}). */
    public DaemonSpec environment(String name, String value) {
        Map<String, String> merged = new TreeMap<>(environment);
        merged.put(name, value);
        return new DaemonSpec(command, pidFile, log, directory, umask, environmentAllowList, merged, uid, gid,
                readyTimeout, notifySocket);
    }

    /** This spec dropping privileges to {@code uid}/{@code gid} (like {@code setgid} then {@code setuid} in C). */
    public DaemonSpec user(int newUid, int newGid) {
        return new DaemonSpec(command, pidFile, log, directory, umask, environmentAllowList, environment, newUid,
                newGid, readyTimeout, notifySocket);
    }

    /** This spec with another ready timeout. */
    public DaemonSpec readyTimeout(Duration timeout) {
        return new DaemonSpec(command, pidFile, log, directory, umask, environmentAllowList, environment, uid, gid,
                timeout, notifySocket);
    }

    /** This spec notifying another socket path ({@code @name} for the abstract namespace), or none for {@code null}. */
    public DaemonSpec notifySocket(String socket) {
        return new DaemonSpec(command, pidFile, log, directory, umask, environmentAllowList, environment, uid, gid,
                readyTimeout, socket);
    }

    /**
     * The working directory.
     *
     * @deprecated use {@link #directory()}, the name {@link Spawn#directory(Path)} and {@code ProcessBuilder} use
     */
    @Deprecated
    public Path workingDirectory() {
        return directory;
    }

    /**
     * {@link #pidFile} under its former name.
     *
     * @deprecated use {@link #pidFile}: forkj's builders name a setting without a {@code with} prefix
     */
    @Deprecated
    public DaemonSpec withPidFile(Path file) {
        return pidFile(file);
    }

    /**
     * {@link #log} under its former name.
     *
     * @deprecated use {@link #log}: forkj's builders name a setting without a {@code with} prefix
     */
    @Deprecated
    public DaemonSpec withLog(Path file) {
        return log(file);
    }

    /**
     * {@link #directory} under its former name.
     *
     * @deprecated use {@link #directory}: forkj's builders name a setting without a {@code with} prefix
     */
    @Deprecated
    public DaemonSpec withWorkingDirectory(Path directory) {
        return directory(directory);
    }

    /**
     * {@link #umask} under its former name.
     *
     * @deprecated use {@link #umask}: forkj's builders name a setting without a {@code with} prefix
     */
    @Deprecated
    public DaemonSpec withUmask(int mask) {
        return umask(mask);
    }

    /**
     * {@link #environmentAllowList} under its former name.
     *
     * @deprecated use {@link #environmentAllowList}: forkj's builders name a setting without a {@code with} prefix
     */
    @Deprecated
    public DaemonSpec withEnvironmentAllowList(Set<String> names) {
        return environmentAllowList(names);
    }

    /**
     * {@link #environment} under its former name.
     *
     * @deprecated use {@link #environment}: forkj's builders name a setting without a {@code with} prefix
     */
    @Deprecated
    public DaemonSpec withEnvironment(String name, String value) {
        return environment(name, value);
    }

    /**
     * {@link #user} under its former name.
     *
     * @deprecated use {@link #user}: forkj's builders name a setting without a {@code with} prefix
     */
    @Deprecated
    public DaemonSpec withUser(int newUid, int newGid) {
        return user(newUid, newGid);
    }

    /**
     * {@link #readyTimeout} under its former name.
     *
     * @deprecated use {@link #readyTimeout}: forkj's builders name a setting without a {@code with} prefix
     */
    @Deprecated
    public DaemonSpec withReadyTimeout(Duration timeout) {
        return readyTimeout(timeout);
    }

    /**
     * {@link #notifySocket} under its former name.
     *
     * @deprecated use {@link #notifySocket}: forkj's builders name a setting without a {@code with} prefix
     */
    @Deprecated
    public DaemonSpec withNotifySocket(String socket) {
        return notifySocket(socket);
    }

    /** The pid file, if any. */
    public Optional<Path> pidFileIfAny() {
        return Optional.ofNullable(pidFile);
    }

    /**
     * The daemon's environment: the allow-listed variables of {@code launcherEnvironment}, then the explicit
     * ones, sorted by name.
     */
    public Map<String, String> daemonEnvironment(Map<String, String> launcherEnvironment) {
        Map<String, String> result = new TreeMap<>();
        for (String name : new TreeSet<>(environmentAllowList)) {
            String value = launcherEnvironment.get(name);
            if (value != null) {
                result.put(name, value);
            }
        }
        result.putAll(environment);
        return result;
    }

    private static void noNul(String what, String value) {
        Objects.requireNonNull(value, what);
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " '" + value.replace('\0', '?')
                    + "' contains a NUL character, which a C string cannot hold");
        }
    }

    private static void variableName(String name) {
        noNul("environment variable name", name);
        if (name.isEmpty() || name.indexOf('=') >= 0) {
            throw new IllegalArgumentException("environment variable name '" + name + "' must be non-empty and hold no '='");
        }
    }
}
