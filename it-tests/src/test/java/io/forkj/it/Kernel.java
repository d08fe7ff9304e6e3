package io.forkj.it;

import io.forkj.posix.internal.proc.ProcFs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernel's own view of processes, read straight from /proc for the tests to check the library against.
 * Deliberately independent of the library's /proc reader.
 */
public final class Kernel {
    static {
        // From its first use the JDK's NIO keeps one end of a socketpair open for good (sun.nio.ch's "pre-close"
        // fd, made in FileDispatcherImpl's initializer). Opened here, it is in every fd baseline a test takes; a
        // test run alone took its baseline before the code under test first used NIO, and saw the socket as a leak.
        try (FileChannel ignored = FileChannel.open(Path.of("/proc/self/stat"))) {
            // nothing to read: opening is the point
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Kernel() {
    }

    /** This JVM's pid. */
    public static int self() {
        return (int) ProcessHandle.current().pid();
    }

    /** This JVM's real uid, from the Uid: line of /proc/self/status. */
    public static int uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no Uid: line in /proc/self/status");
    }

    /** The kernel function {@code pid} sleeps in ({@code /proc/PID/wchan}), or "" if it runs or is gone. */
    public static String wchan(int pid) {
        try {
            return Files.readString(Path.of("/proc", Integer.toString(pid), "wchan")).trim();
        } catch (IOException gone) {
            return "";
        }
    }

    /** The command name of {@code pid} ({@code /proc/PID/comm}, also readable for a zombie), or empty if it is gone. */
    public static Optional<String> comm(int pid) {
        return ProcFs.read(Path.of("/proc", Integer.toString(pid), "comm")).map(String::trim);
    }

    /** Seconds since boot, as {@code /proc/uptime} gives them (its first field). */
    public static String uptime() {
        return ProcFs.read(Path.of("/proc/uptime")).map(u -> u.split(" ")[0]).orElseThrow();
    }

    /** The state letter of {@code pid} from /proc/PID/stat, or empty if it is gone. */
    public static Optional<Character> state(int pid) {
        return stat(pid).map(fields -> fields[0].charAt(0));
    }

    /** The parent pid of {@code pid}, or empty if it is gone. */
    public static Optional<Integer> ppid(int pid) {
        return stat(pid).map(fields -> Integer.parseInt(fields[1]));
    }

    /** The fields of /proc/PID/stat after the command name: index 0 is the state (field 3 in proc(5)). */
    public static Optional<String[]> stat(int pid) {
        // The kernel's /proc, whatever root the library is configured with; ProcFs.read only reads the file.
        return ProcFs.read(Path.of("/proc", Integer.toString(pid), "stat"))
                .map(s -> s.substring(s.lastIndexOf(')') + 2).trim().split(" "));
    }

    /** Children of {@code pid} (any thread's), from /proc/PID/task/TID/children. */
    public static List<Integer> children(int pid) {
        List<Integer> result = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String c : Files.readString(task.resolve("children")).trim().split("\\s+")) {
                        if (!c.isEmpty()) {
                            result.add(Integer.parseInt(c));
                        }
                    }
                } catch (NoSuchFileException gone) {
                    // the thread exited while we listed
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /**
     * The thread ids of this JVM's threads named {@code name} (as /proc/self/task/TID/comm shows it: the kernel
     * keeps a thread's first 15 characters).
     */
    public static List<Integer> threadsNamed(String name) {
        return threadsNamed(self(), name);
    }

    /** The thread ids of process {@code pid}'s threads named {@code name}, as {@link #threadsNamed(String)}. */
    public static List<Integer> threadsNamed(int pid, String name) {
        List<Integer> result = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                if (ProcFs.read(task.resolve("comm")).map(String::trim).filter(name::equals).isPresent()) {
                    result.add(Integer.parseInt(task.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /**
     * How many times thread {@code tid} of this JVM has given up the CPU to sleep ({@code voluntary_ctxt_switches}
     * of /proc/self/task/TID/status): a sleeper woken and asleep again counts one more. Empty if it has ended.
     */
    public static Optional<Long> sleeps(int tid) {
        return ProcFs.read(Path.of("/proc/self/task", Integer.toString(tid), "status")).flatMap(status -> status.lines()
                .filter(l -> l.startsWith("voluntary_ctxt_switches:"))
                .map(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst());
    }

    /**
     * Whether thread {@code tid} of this JVM sleeps in {@code futex(2)} (x86-64 syscall 202, arm64 98, from
     * /proc/self/task/TID/syscall).
     */
    public static boolean inFutex(int tid) {
        String futex = "aarch64".equals(System.getProperty("os.arch")) ? "98" : "202";
        return ProcFs.read(Path.of("/proc/self/task", Integer.toString(tid), "syscall"))
                .map(s -> s.split(" ", 2)[0].trim().equals(futex)).orElse(false)
                && ProcFs.read(Path.of("/proc/self/task", Integer.toString(tid), "stat"))
                .map(s -> s.charAt(s.lastIndexOf(')') + 2) == 'S').orElse(false);
    }

    /** Waits for {@code condition} with a deadline, polling every few milliseconds. */
    public static boolean await(Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - end > 0) {
                return false;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return condition.getAsBoolean();
            }
        }
    }

    /** Waits (10 s at most) until /proc shows {@code pid} in state {@code letter}; fails the test if it does not. */
    public static void awaitState(int pid, char letter) {
        assertThat(await(Duration.ofSeconds(10), () -> state(pid).orElse('?') == letter))
                .as("pid %d reaches state %s (now %s)", pid, letter, state(pid)).isTrue();
    }

    /**
     * Waits (up to {@code deadline}) until {@code pid} runs {@code sleep} and sits in {@code nanosleep} or
     * {@code clock_nanosleep} (x86-64 syscalls 35 and 230, arm64 101 and 115, from /proc/PID/syscall): past its
     * start-up, during which ld.so and setlocale hold fds of their own (an ld.so library, /etc/locale.alias).
     * Tests that list a sleeping program's fds call this first.
     */
    public static boolean awaitAsleep(int pid, Duration deadline) {
        boolean arm64 = "aarch64".equals(System.getProperty("os.arch"));
        return await(deadline, () -> {
            try {
                String comm = Files.readString(Path.of("/proc", Integer.toString(pid), "comm")).trim();
                String number = Files.readString(Path.of("/proc", Integer.toString(pid), "syscall")).split(" ", 2)[0].trim();
                return comm.equals("sleep") && (arm64 ? number.equals("101") || number.equals("115")
                        : number.equals("35") || number.equals("230"));
            } catch (IOException gone) {
                return false;
            }
        });
    }

    /**
     * Whether {@code pid} is gone or on its way out: a zombie, or past the point of its exit where the kernel drops
     * its memory map, when /proc/PID/status loses its Vm lines. From that point until it is a zombie the kernel
     * makes root the owner of /proc/PID/fd ({@code task_dump_owner} with no mm), so a normal user listing it gets
     * EACCES: measured as user nobody, a SIGKILLed process unmapping 3 GiB was seen 1,101 times in state R with no
     * VmSize and an fd listing refused, then once as a zombie.
     */
    public static boolean exiting(int pid) {
        Optional<Character> state = state(pid);
        if (state.isEmpty() || state.get() == 'Z' || state.get() == 'X') {
            return true;
        }
        return ProcFs.read(Path.of("/proc", Integer.toString(pid), "status"))
                .map(status -> !status.contains("\nVmSize:"))
                .orElse(true);
    }

    /** The targets of /proc/PID/fd, one line per fd: "N -> target". */
    public static List<String> openFds(int pid) {
        List<String> result = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc", Integer.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    result.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
                } catch (NoSuchFileException closed) {
                    // closed while listing (the listing's own fd, for one)
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    /**
     * This JVM's fds without the ones the JDK opens and closes on its own at any moment: cgroup files read by the
     * container support (seen on a CI runner with cgroup v1: {@code /sys/fs/cgroup/memory/.../memory.stat}), /proc
     * files, jars, the random devices and epoll instances. What is left is what the code under test opened.
     */
    public static List<String> ownFds() {
        List<String> result = openFds(self());
        result.removeIf(Kernel::openedByTheJdk);
        return result;
    }

    /**
     * The data words of every entry in this JVM's epoll interest lists, as the kernel lists them in
     * /proc/self/fdinfo/FD of each {@code anon_inode:[eventpoll]} fd: one "tfd: N events: E data: D" line per entry,
     * D in hex.
     */
    public static List<Long> epollData() {
        List<Long> result = new ArrayList<>();
        for (String fd : openFds(self())) {
            if (!fd.endsWith(" -> anon_inode:[eventpoll]")) {
                continue;
            }
            String number = fd.substring(0, fd.indexOf(" -> "));
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", number))) {
                    String[] words = line.trim().split("\\s+");
                    if (words.length >= 6 && words[0].equals("tfd:") && words[4].equals("data:")) {
                        result.add(Long.parseUnsignedLong(words[5], 16));
                    }
                }
            } catch (NoSuchFileException closed) {
                // closed since the listing
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return result;
    }

    /** How many pidfds this JVM holds open ({@code anon_inode:[pidfd]} in /proc/self/fd). */
    public static long openPidfds() {
        return openFds(self()).stream().filter(fd -> fd.endsWith(" -> anon_inode:[pidfd]")).count();
    }

    private static boolean openedByTheJdk(String fd) {
        String target = fd.substring(fd.indexOf(" -> ") + 4);
        return target.startsWith("/sys/") || target.startsWith("/proc/") || target.endsWith(".jar")
                || target.contains("random") || target.equals("anon_inode:[eventpoll]");
    }

    /**
     * What {@code command} prints (stdout and stderr together), once it has ended; at most 2 minutes. For the kernel's
     * own tools ({@code ss}) and for fresh JVMs.
     */
    public static String output(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(120, java.util.concurrent.TimeUnit.SECONDS);
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError(command + " did not end");
            }
            return out;
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    /**
     * What {@code main} prints when run in a fresh JVM with this JVM's class path, its {@code --add-opens} and
     * {@code --enable-native-access} flags, and {@code jvmFlags}.
     */
    public static String freshJvm(Class<?> main, String... jvmFlags) throws Exception {
        List<String> command = new ArrayList<>(javaCommand(main));
        command.addAll(command.indexOf("-cp"), List.of(jvmFlags));
        return output(command);
    }

    /**
     * The command that runs {@code main} with {@code args} in a fresh JVM with this JVM's class path and the flags
     * that configure forkj (its {@code --add-opens}, {@code --enable-native-access} and
     * {@code --sun-misc-unsafe-memory-access}), so a JDK 25 child prints no native-access warning.
     */
    public static List<String> javaCommand(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--enable-native-access")
                        || a.startsWith("--sun-misc-unsafe-memory-access"))
                .forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
