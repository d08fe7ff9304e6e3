package io.forkj.multiprocessing.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The command line of a child JVM: this JVM's {@code java} binary, its options (less debugger and
 * class-data-sharing ones), {@code -Xrs}, its class path, and {@link ChildMain}.
 *
 * <p>{@code -Xrs} leaves SIGTERM, SIGINT, SIGHUP and SIGQUIT at their default action in the child, so
 * {@code terminate()} ends it with exit code -15 as it does a Python child (a JVM otherwise catches SIGTERM and
 * exits with 143). {@code -XX:-UsePerfData} saves the hsperfdata file (the child does not show in {@code jps}).
 *
 * <p>Application class-data sharing: when every class path entry is a jar, the first child start ever made with
 * that class path first runs one JVM that runs the child path with {@code -XX:ArchiveClassesAtExit} (JDK 13+) into
 * a temporary file, renamed into {@code $XDG_CACHE_HOME/forkj} (else {@code ~/.cache/forkj}) under a name hashed
 * from the JDK, the class path and the options: that one start costs a few seconds more, once per machine and
 * class path. Later children map it with {@code -XX:SharedArchiveFile}. One dump runs at a time across processes
 * (a {@code .lock} file; a start that finds another process dumping goes without the archive). A failed dump leaves a {@code .failed} file with its
 * output and is not retried. Directories on the class path
 * (a Maven test run) rule the archive out: the JVM only archives classes from jars.
 */
public final class JvmCommand {
    private static final String JAVA = ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    private static final List<String> OPTIONS = inheritedOptions();
    private static final String CLASS_PATH = System.getProperty("java.class.path");
    private static final Object ARCHIVE_LOCK = new Object();
    private static volatile Path archive;
    private static volatile boolean archiveChecked;

    private JvmCommand() {
    }

    /** {@code java [options] -cp CP io.forkj.multiprocessing.internal.ChildMain args...}. */
    public static List<String> child(String... args) {
        List<String> command = new ArrayList<>(OPTIONS.size() + 8 + args.length);
        command.add(JAVA);
        command.addAll(OPTIONS);
        command.add("-Xrs");
        command.add("-XX:-UsePerfData");
        Path shared = sharedArchive();
        if (shared != null) {
            command.add("-XX:SharedArchiveFile=" + shared);
            command.add("-Xlog:cds=off");
            command.add("-Xlog:cds+dynamic=off");
        }
        command.add("-cp");
        command.add(CLASS_PATH);
        command.add(ChildMain.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    /**
     * This JVM's options that a child needs too: heap, properties, module opens; not agents or CDS settings. On
     * JDK 22+ also native access, and on 24+ jffi's use of {@code sun.misc.Unsafe}, granted explicitly: a parent
     * started with {@code java -jar} gets native access from the jar's manifest, which a {@code -cp} child does
     * not read, and would print the JDK's warnings on the child's stderr.
     */
    static List<String> inheritedOptions() {
        List<String> options = new ArrayList<>(filter(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        int feature = Runtime.version().feature();
        if (feature >= 22 && options.stream().noneMatch(o -> o.startsWith("--enable-native-access"))) {
            options.add("--enable-native-access=ALL-UNNAMED");
        }
        if (feature >= 24 && options.stream().noneMatch(o -> o.startsWith("--sun-misc-unsafe-memory-access"))) {
            options.add("--sun-misc-unsafe-memory-access=allow");
        }
        return List.copyOf(options);
    }

    /** {@code options} less debugger agents, class-data-sharing settings and the ones forkj sets itself. */
    static List<String> filter(List<String> options) {
        List<String> kept = new ArrayList<>();
        for (String option : options) {
            if (option.startsWith("-agentlib:") || option.startsWith("-agentpath:") || option.startsWith("-Xrunjdwp")
                    || option.startsWith("-Xdebug") || option.startsWith("-XX:ArchiveClassesAtExit")
                    || option.startsWith("-XX:SharedArchiveFile") || option.startsWith("-Xshare")
                    || option.equals("-XX:+AutoCreateSharedArchive") || option.equals("-Xrs")
                    || option.startsWith("-XX:+UsePerfData") || option.startsWith("-XX:-UsePerfData")
                    || option.startsWith("-Dsun.java.command") || option.startsWith("-Djdk.internal.vm.ci")) {
                continue;
            }
            kept.add(option);
        }
        return List.copyOf(kept);
    }

    /** The archive if it is ready; starts its creation once if it can be made. */
    private static Path sharedArchive() {
        Path ready = archive;
        if (ready != null || archiveChecked) {
            return ready;
        }
        synchronized (ARCHIVE_LOCK) {
            if (archiveChecked) {
                return archive;
            }
            archiveChecked = true;
            if (Boolean.getBoolean("forkj.mp.noSharedArchive") || !onlyJars()) {
                return null;
            }
            Path dir = cacheDir();
            Path file = dir.resolve("forkj-child-" + key() + ".jsa");
            if (Files.isReadable(file)) {
                archive = file;
                return file;
            }
            if (Files.exists(dir.resolve(file.getFileName() + ".failed"))) {
                return null;
            }
            Path lock = dir.resolve(file.getFileName() + ".lock");
            if (!claim(dir, lock)) {
                return null; // another process is making it
            }
            // In the caller, not in the background: a dump running behind a short-lived parent (every `forkj demo`)
            // was orphaned with the parent's exit, never published, and started again by the next run.
            try {
                dump(dir, file);
            } finally {
                try {
                    Files.deleteIfExists(lock);
                } catch (IOException ignored) {
                    // a stale lock expires
                }
            }
            return archive;
        }
    }

    /**
     * Creates the lock file of a dump (one dump at a time across processes); a lock older than two minutes is
     * from a process that died while dumping and is taken over.
     */
    private static boolean claim(Path dir, Path lock) {
        try {
            Files.createDirectories(dir);
            try {
                Files.createFile(lock);
                return true;
            } catch (java.nio.file.FileAlreadyExistsException held) {
                long age = System.currentTimeMillis() - Files.getLastModifiedTime(lock).toMillis();
                if (age > 120_000) {
                    Files.deleteIfExists(lock);
                    Files.createFile(lock);
                    return true;
                }
                return false;
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs the child path once in a JVM that writes the archive at exit, then publishes it atomically. */
    private static void dump(Path dir, Path file) {
        try {
            Files.createDirectories(dir);
            removeStale(dir);
            Path tmp = Files.createTempFile(dir, "forkj-child-", ".jsa.tmp");
            Files.delete(tmp);
            List<String> command = new ArrayList<>();
            command.add(JAVA);
            command.addAll(OPTIONS);
            command.add("-Xrs");
            command.add("-XX:-UsePerfData");
            command.add("-XX:ArchiveClassesAtExit=" + tmp);
            command.add("-cp");
            command.add(CLASS_PATH);
            command.add(ChildMain.class.getName());
            command.add(ChildMain.MODE_ARCHIVE);
            Path log = Files.createTempFile(dir, "forkj-child-", ".log");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(120, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly().waitFor();
            }
            if (done && p.exitValue() == 0 && Files.size(tmp) > 0) {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(log);
                archive = file;
            } else {
                Files.deleteIfExists(tmp);
                Files.move(log, dir.resolve(file.getFileName() + ".failed"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // No archive: children start without it, as the JVM would.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Deletes the temporary files of dumps that a JVM killed or ended mid-dump left behind (older than ten
     * minutes; a dump takes seconds).
     */
    private static void removeStale(Path dir) {
        long cutoff = System.currentTimeMillis() - 600_000;
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (n.startsWith("forkj-child-") && (n.endsWith(".jsa.tmp") || n.endsWith(".log"))
                        && Files.getLastModifiedTime(f).toMillis() < cutoff) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException ignored) {
            // best effort: the cache works without it
        }
    }

    /** Every class path entry is a jar, including those a manifest {@code Class-Path} names (surefire's booter). */
    private static boolean onlyJars() {
        for (String entry : CLASS_PATH.split(java.io.File.pathSeparator)) {
            if (entry.isEmpty() || !entry.endsWith(".jar") || !Files.isRegularFile(Path.of(entry))) {
                return false;
            }
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(entry)) {
                java.util.jar.Manifest manifest = jar.getManifest();
                String more = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
                if (more != null) {
                    for (String ref : more.trim().split("\\s+")) {
                        if (!ref.isEmpty() && !ref.endsWith(".jar")) {
                            return false;
                        }
                    }
                }
            } catch (IOException unreadable) {
                return false;
            }
        }
        return true;
    }

    private static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("forkj");
    }

    /** Hash of what makes an archive valid: the JDK, the options, the class path and its jars' sizes and times. */
    private static String key() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            StringBuilder s = new StringBuilder(JAVA).append('\n').append(System.getProperty("java.vm.version"))
                    .append('\n').append(String.join(" ", OPTIONS)).append('\n');
            for (String entry : CLASS_PATH.split(java.io.File.pathSeparator)) {
                Path p = Path.of(entry);
                s.append(entry).append(' ').append(Files.size(p)).append(' ').append(Files.getLastModifiedTime(p).toMillis()).append('\n');
            }
            byte[] d = sha.digest(s.toString().getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                hex.append(String.format("%02x", d[i]));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException | IOException e) {
            return "nokey";
        }
    }
}
