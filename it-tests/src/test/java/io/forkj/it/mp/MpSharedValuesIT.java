package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.multiprocessing.Array;
import io.forkj.multiprocessing.Lock;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.RLock;
import io.forkj.multiprocessing.RawArray;
import io.forkj.multiprocessing.Semaphore;
import io.forkj.multiprocessing.SharedMemory;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.Target;
import io.forkj.multiprocessing.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Value, Array and SharedMemory seen by FORK, SPAWN and STANDBY children, and the leak check: after children
 * exit, some by SIGKILL, and the parent closes its objects, no fd of theirs is open and /dev/shm is unchanged.
 */
class MpSharedValuesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @org.junit.jupiter.api.AfterAll
    static void stopStandbyJvms() {
        io.forkj.multiprocessing.Multiprocessing.shutdownStandby();
    }

    /** FORK children do few rounds after the parent compiled their path (see MpLocksIT on FORK stalls). */
    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void aValueUnderItsLockLosesNoUpdateAndAChildsArrayChangesReachTheParent(StartMethod how) throws Exception {
        boolean fork = how == StartMethod.FORK;
        int times = fork ? 50 : 10_000;
        Value money = new Value('i', 5000);
        Target add = () -> {
            for (int i = 0; i < times; i++) {
                try (var held = money.getLock().hold()) {
                    money.set(money.getInt() + 1);
                }
            }
        };
        int parentRuns = Children.warmForFork(add, fork ? 30 : 1);
        List<MpProcess> children = Children.start(how, 2, add);
        assertThat(Children.exitCodes(children)).containsOnly(0);
        assertThat(money.getInt()).isEqualTo(5000 + (2 + parentRuns) * times);

        // The child's calls run here first, on other arrays: a FORK child must resolve nothing for the first time.
        change(new Array('i', new int[] {1, 2, 3}), new Array('c', "hello".getBytes()));
        Array ints = new Array('i', new int[] {1, 2, 3});
        Array text = new Array('c', "hello".getBytes());
        MpProcess child = Children.start(how, () -> change(ints, text));
        assertThat(Children.exitCode(child)).isZero();
        assertThat(ints.toList()).containsExactly(1, 2, 33);
        assertThat(RawArray.bytesRepr(text.value())).isEqualTo("b'Hello'");
    }

    private static void change(Array ints, Array text) {
        ints.set(2, ints.getInt(0) + ints.getInt(1) + 30);
        text.set(0, (byte) 'H');
    }

    @ParameterizedTest
    @EnumSource(value = StartMethod.class, names = {"SPAWN", "STANDBY"})
    void aChildAttachesToSharedMemoryByNameAlone(StartMethod how) throws Exception {
        SharedMemory shm = SharedMemory.create(64);
        shm.buf().put(0, (byte) 41);
        String name = shm.name();
        MpProcess child = Children.start(how, () -> {
            SharedMemory mine = SharedMemory.attach(name);
            mine.buf().put(1, (byte) (mine.buf().get(0) + 1));
            mine.close();
        });
        assertThat(Children.exitCode(child)).isZero();
        assertThat(shm.buf().get(1)).isEqualTo((byte) 42);
        shm.close();
    }

    /**
     * CPython's pattern, {@code SharedMemory(name)} in a forked child, started from a thread that never touched a
     * file by name while a parent thread holds the common Cleaner's monitor. {@code attach} reads a link through
     * java.nio, which gives a thread its first native path buffer under that monitor: the child relies on the
     * guarded fork holding the monitor across the fork (docs/DESIGN.md). FORK was not among the start methods the
     * attach test above covers.
     */
    @Test
    void aForkChildAttachesByNameWhileTheCleanerMonitorIsHeld() throws Exception {
        SharedMemory warm = SharedMemory.create(64);
        attachAndCount(warm.name()); // the child's path, run here first: the child must resolve nothing new
        warm.close();
        SharedMemory shm = SharedMemory.create(64);
        String name = shm.name();
        // One FORK start first, without the hog: a JVM's first start warms up its own paths, which need the monitor
        // in the parent, and the hog (which takes it back at once) starved that start for minutes.
        MpProcess first = new MpProcess(() -> attachAndCount(name)).startMethod(StartMethod.FORK);
        first.start();
        assertThat(first.join(WAIT)).isTrue();
        assertThat(first.exitCode().orElseThrow()).isZero();
        try (AutoCloseable hog = CleanerMonitor.hog()) {
            for (int i = 0; i < 3; i++) {
                MpProcess p = new MpProcess(() -> attachAndCount(name)).startMethod(StartMethod.FORK)
                        .forkDeadline(Duration.ofSeconds(10));
                Thread starter = new Thread(p::start, "starts-fork-child-" + i);
                starter.start();
                starter.join(WAIT.toMillis());
                assertThat(starter.isAlive()).as("%s started", p).isFalse();
                assertThat(p.join(WAIT)).as("%s ends", p).isTrue();
                assertThat(p.exitCode().orElseThrow()).as("exit code of %s", p).isZero();
            }
        }
        assertThat(shm.buf().get(1)).isEqualTo((byte) 4);
        shm.close();
    }

    /**
     * CPython's own {@code SharedMemory} (a file in /dev/shm) attached by its name: this JVM reads what Python wrote
     * and Python reads what this JVM wrote; {@code unlink()} here removes the name, as Python's does (Python's
     * resource tracker is told to leave it to us, or it would unlink it and warn at Python's exit).
     */
    @Test
    void cpythonsSharedMemoryIsAttachedByItsName() throws Exception {
        String program = String.join("\n",
                "import sys",
                "from multiprocessing import shared_memory, resource_tracker",
                "shm = shared_memory.SharedMemory(create=True, size=64)",
                "resource_tracker.unregister(shm._name, 'shared_memory')",
                "shm.buf[:11] = b'from python'",
                "print(shm.name, flush=True)",
                "sys.stdin.readline()",
                "print(bytes(shm.buf[16:25]).decode(), flush=True)",
                "shm.close()");
        Process py = new ProcessBuilder("python3", "-c", program).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String name = null;
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(py.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            name = java.util.concurrent.CompletableFuture.supplyAsync(() -> readLine(out))
                    .get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(name).as("python's SharedMemory name").isNotNull().doesNotStartWith("forkj_");
            SharedMemory shm = SharedMemory.attach(name);
            assertThat(shm.size()).isEqualTo(64);
            byte[] said = new byte[11];
            shm.buf().get(0, said);
            assertThat(new String(said, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("from python");
            shm.buf().put(16, "from java".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            py.getOutputStream().write('\n');
            py.getOutputStream().flush();
            assertThat(java.util.concurrent.CompletableFuture.supplyAsync(() -> readLine(out))
                    .get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("from java");
            assertThat(py.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(py.exitValue()).as("python3's exit code").isZero();
            shm.unlink();
            assertThat(Path.of("/dev/shm", name)).doesNotExist();
            shm.close();
            String gone = name;
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SharedMemory.attach(gone))
                    .isInstanceOf(java.util.NoSuchElementException.class);
        } finally {
            py.destroyForcibly();
            py.waitFor();
            if (name != null) {
                Files.deleteIfExists(Path.of("/dev/shm", name));
            }
        }
    }

    private static String readLine(java.io.BufferedReader in) {
        try {
            return in.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void attachAndCount(String name) {
        SharedMemory mine = SharedMemory.attach(name);
        mine.buf().put(1, (byte) (mine.buf().get(1) + 1));
        mine.close();
    }

    @Test
    void nothingLeaksAfterChildrenExitOrAreKilled() throws Exception {
        Set<String> shmBefore = devShm();
        int self = Kernel.self();
        List<String> memfdsBefore = forkjMemfds(self);
        for (StartMethod how : StartMethod.values()) {
            Lock lock = new Lock();
            RLock rlock = new RLock();
            Semaphore sem = new Semaphore(2);
            Value value = new Value('d', 1.5);
            SharedMemory shm = SharedMemory.create(4096);
            io.forkj.multiprocessing.RawValue holding = new io.forkj.multiprocessing.RawValue('i', 0);
            MpProcess clean = Children.start(how, () -> {
                lock.acquire();
                lock.release();
                value.set(2.5);
                shm.buf().put(0, (byte) 1);
            });
            MpProcess killed = Children.start(how, () -> {
                rlock.acquire();
                sem.acquire();
                holding.set(1);
                Thread.sleep(600_000);
            });
            assertThat(Children.exitCode(clean)).isZero();
            assertThat(Kernel.await(WAIT, () -> holding.getLong() == 1)).isTrue();
            killed.kill();
            assertThat(Children.exitCode(killed)).isEqualTo(-9);
            assertThat(value.getDouble()).isEqualTo(2.5);
            lock.close();
            rlock.close();
            sem.close();
            value.getLock().close();
            value.close();
            shm.close();
            holding.close();
        }
        assertThat(devShm()).as("/dev/shm").isEqualTo(shmBefore);
        assertThat(forkjMemfds(self)).as("forkj memfds open in the test JVM").isEqualTo(memfdsBefore);
        assertThat(Files.readString(Path.of("/proc/self/maps"))).doesNotContain("forkj-Lock", "forkj-RLock",
                "forkj-Semaphore", "forkj-Value");
        // A SharedMemory that gave buf() views (here and in earlier tests of this JVM) is unmapped once they are
        // garbage, like a MappedByteBuffer.
        assertThat(Kernel.await(WAIT, () -> {
            System.gc();
            try {
                return !Files.readString(Path.of("/proc/self/maps")).contains("forkj-shm");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })).as("forkj-shm mappings gone once their buffers are garbage").isTrue();
    }

    private static List<String> forkjMemfds(int pid) {
        return Kernel.openFds(pid).stream().filter(fd -> fd.contains("/memfd:forkj-")).sorted()
                .collect(Collectors.toList());
    }

    private static Set<String> devShm() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            return files.map(Path::toString).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
