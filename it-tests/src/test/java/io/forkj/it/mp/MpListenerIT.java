package io.forkj.it.mp;

import io.forkj.PosixException;
import io.forkj.it.Kernel;
import io.forkj.multiprocessing.AbstractUnixAddress;
import io.forkj.multiprocessing.AuthenticationException;
import io.forkj.multiprocessing.Client;
import io.forkj.multiprocessing.Connection;
import io.forkj.multiprocessing.Listener;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.StartMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * multiprocessing.connection's Listener and Client over real sockets: a SPAWN child connecting to its parent, TCP
 * on a kernel-chosen port, the authkey challenge refusing a wrong key on both sides, a close that wakes an accept,
 * and CPython 3's own Client and Listener at the other end (python3 on PATH; .ci/run installs it).
 */
@Timeout(180)
@ExtendWith(NoFdLeft.class)
class MpListenerIT {
    private static final byte[] KEY = "forkj listener test".getBytes(StandardCharsets.UTF_8);

    @AfterAll
    static void stopStandby() {
        Multiprocessing.shutdownStandby();
    }

    /** A SPAWN child's target: connects with the key, sends its pid, prints what comes back. */
    static void connectAndGreet(SocketAddress address, byte[] key) throws Exception {
        try (Connection c = Client.connect(address, key)) {
            c.send(List.of("child", Multiprocessing.currentProcess().pid()));
            if (!"welcome".equals(c.recv())) {
                throw new IllegalStateException("no welcome");
            }
        }
    }

    /** A SPAWN child connects to {@code listener}'s address with the key ({@link #connectAndGreet}) and ends well. */
    private static void aSpawnChildGreets(Listener listener) throws Exception {
        SocketAddress address = listener.address();
        MpProcess child = Multiprocessing.getContext(StartMethod.SPAWN).process(() -> connectAndGreet(address, KEY));
        child.start();
        try (Connection c = listener.accept()) {
            assertThat(c.recv()).isEqualTo(List.of("child", child.pid()));
            c.send("welcome");
        }
        assertThat(child.join(Duration.ofSeconds(120))).isTrue();
        assertThat(child.exitCode().orElseThrow()).isZero();
    }

    @Test
    void aSpawnChildConnectsToItsParentsUnixListenerWithTheKey() throws Exception {
        try (Listener listener = Listener.listen(KEY)) {
            Path path = ((UnixDomainSocketAddress) listener.address()).getPath();
            assertThat(path).exists();
            aSpawnChildGreets(listener);
            assertThat(listener.lastAccepted()).as("a unix client is unnamed").isEmpty();
            listener.close();
            assertThat(path).as("the socket file after close").doesNotExist();
        }
    }

    /**
     * Python's {@code Listener('\0name')}: a name in the abstract namespace, which {@code /proc/net/unix} lists as
     * {@code @name} while the listener is open and not after; a SPAWN child and CPython's own Client connect by it.
     */
    @Test
    void anAbstractNameIsListedWhileTheListenerIsOpenAndLeavesNothingBehind() throws Exception {
        AbstractUnixAddress name = AbstractUnixAddress.of("forkj-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try (Listener listener = Listener.listen(name, KEY)) {
            assertThat(listener.address()).isEqualTo(name);
            assertThat(abstractNames()).as("/proc/net/unix").contains("@" + name.name());
            aSpawnChildGreets(listener);
            cpythonsClientTalksTo(listener, "'\\0" + name.name() + "'");
        }
        assertThat(abstractNames()).as("/proc/net/unix after close").doesNotContain("@" + name.name());
        assertThatThrownBy(() -> AbstractUnixAddress.of("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 bytes").hasMessageContaining("1 to 107");
        assertThatThrownBy(() -> AbstractUnixAddress.of("x".repeat(108))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("108 bytes");
        assertThat(AbstractUnixAddress.of("y".repeat(107)).nameBytes()).hasSize(107);
    }

    /** The abstract names in {@code /proc/net/unix} (its Path column, written {@code @name}). */
    private static List<String> abstractNames() throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/net/unix")).stream().skip(1)
                .map(line -> line.trim().split("\\s+")).filter(f -> f.length >= 8 && f[7].startsWith("@"))
                .map(f -> f[7]).toList();
    }

    @Test
    void tcpOnAPortTheKernelChoseCarriesBytesBothWays() throws Exception {
        try (Listener listener = Listener.listen(new InetSocketAddress("127.0.0.1", 0), KEY)) {
            InetSocketAddress address = (InetSocketAddress) listener.address();
            assertThat(address.getPort()).isPositive();
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try (Connection c = Client.connect(address, KEY)) {
                    c.sendBytes(new byte[] {1, 2, 3});
                    return c.recvBytes();
                } catch (AuthenticationException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Connection c = listener.accept()) {
                byte[] got = c.recvBytes();
                c.sendBytes(new byte[] {got[2], got[1], got[0]});
            }
            assertThat(echoed.get(60, TimeUnit.SECONDS)).containsExactly(3, 2, 1);
            assertThat(listener.lastAccepted()).get().isInstanceOf(InetSocketAddress.class);
            assertThat(((InetSocketAddress) listener.lastAccepted().orElseThrow()).getAddress().isLoopbackAddress()).isTrue();
        }
    }

    @Test
    void aWrongKeyIsRefusedOnBothSidesAndTheListenerGoesOn() throws Exception {
        try (Listener listener = Listener.listen(new InetSocketAddress("127.0.0.1", 0), KEY)) {
            CompletableFuture<Throwable> client = CompletableFuture.supplyAsync(() -> {
                try (Connection c = Client.connect(listener.address(), "another key".getBytes(StandardCharsets.UTF_8))) {
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            });
            assertThatThrownBy(listener::accept).isInstanceOf(AuthenticationException.class)
                    .hasMessageContaining("digest received was wrong");
            assertThat(client.get(60, TimeUnit.SECONDS)).isInstanceOf(AuthenticationException.class)
                    .hasMessageContaining("rejected");
            CompletableFuture<Object> good = CompletableFuture.supplyAsync(() -> {
                try (Connection c = Client.connect(listener.address(), KEY)) {
                    return c.recv();
                } catch (AuthenticationException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Connection c = listener.accept()) {
                c.send("still listening");
            }
            assertThat(good.get(60, TimeUnit.SECONDS)).isEqualTo("still listening");
        }
    }

    @Test
    void closeWakesAThreadWaitingInAccept() throws Exception {
        Listener listener = Listener.listen(KEY);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                listener.accept().close();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "accept-waiter");
        waiter.start();
        try {
            assertThat(io.forkj.it.Kernel.await(Duration.ofSeconds(10),
                    () -> io.forkj.it.Kernel.threadsNamed("accept-waiter").stream().anyMatch(MpListenerIT::inAccept)))
                    .as("the waiter asleep waiting for a connection").isTrue();
        } finally {
            listener.close(); // also when the assertion failed, so that neither the thread nor the socket is left
            waiter.join(10_000);
        }
        assertThat(waiter.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed while accepting");
        assertThatThrownBy(listener::accept).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    /** The backlog given is the kernel's ({@code ss} shows a listening socket's as its Send-Q); 64 otherwise. */
    @Test
    void theBacklogIsWhatTheKernelSays() throws Exception {
        Path dir = Files.createTempDirectory("forkj-backlog");
        Path given = dir.resolve("given");
        Path usual = dir.resolve("usual");
        try (Listener unix = Listener.listen(UnixDomainSocketAddress.of(given), null, 3);
             Listener tcp = Listener.listen(new InetSocketAddress("127.0.0.1", 0), KEY, 5);
             Listener plain = Listener.listen(UnixDomainSocketAddress.of(usual))) {
            int port = ((InetSocketAddress) tcp.address()).getPort();
            assertThat(backlog("-xln", given.toString())).isEqualTo(3);
            assertThat(backlog("-tln", "127.0.0.1:" + port)).isEqualTo(5);
            assertThat(backlog("-xln", usual.toString())).isEqualTo(64);
        } finally {
            Files.deleteIfExists(given);
            Files.deleteIfExists(usual);
            Files.delete(dir);
        }
        assertThatThrownBy(() -> Listener.listen(new InetSocketAddress("127.0.0.1", 0), KEY, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backlog -1 must be >= 0");
    }

    /** The backlog {@code ss OPTIONS} shows for the listening socket at {@code local}: the column before it. */
    private static int backlog(String options, String local) throws Exception {
        String out = Kernel.output(List.of("ss", options));
        for (String line : out.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            for (int i = 1; i < fields.length; i++) {
                if (fields[i].equals(local)) {
                    return Integer.parseInt(fields[i - 1]);
                }
            }
        }
        throw new AssertionError("ss " + options + " shows no socket at " + local + ":\n" + out);
    }

    @Test
    void badInputIsRefusedNamingTheRule() throws Exception {
        assertThatThrownBy(() -> Listener.listen(new byte[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("authkey is empty");
        String longPath = "/tmp/" + "x".repeat(120);
        assertThatThrownBy(() -> Listener.listen(UnixDomainSocketAddress.of(longPath), KEY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be 1 to 107 bytes");
        try (Listener listener = Listener.listen(KEY)) {
            assertThatThrownBy(() -> Listener.listen(listener.address(), KEY)).isInstanceOf(PosixException.class)
                    .hasMessageContaining("EADDRINUSE").hasMessageContaining("bind(");
        }
        Path nothing = Files.createTempDirectory("forkj-no-listener").resolve("socket");
        try {
            assertThatThrownBy(() -> Client.connect(UnixDomainSocketAddress.of(nothing), KEY))
                    .isInstanceOf(PosixException.class).hasMessageContaining("ENOENT").hasMessageContaining("connect(AF_UNIX");
        } finally {
            Files.delete(nothing.getParent());
        }
    }

    /**
     * A listener dropped without close(): its fd is closed and its socket file removed once it is garbage; and a JVM
     * that exits with a listener open (here a SPAWN child) removes its socket file, as CPython's finalizer does.
     */
    @Test
    void aDroppedListenerAndAnExitingJvmLeaveNoSocketFile() throws Exception {
        Path dir = Files.createTempDirectory("forkj-listener-test");
        try {
            Path dropped = dir.resolve("dropped");
            listenAndDrop(dropped);
            assertThat(dropped).exists();
            assertThat(io.forkj.it.Kernel.await(Duration.ofSeconds(60), () -> {
                System.gc();
                return !Files.exists(dropped);
            })).as("the dropped listener's socket file removed").isTrue();
            Path atExit = dir.resolve("at-exit");
            String atExitName = atExit.toString(); // a Path does not serialize
            MpProcess child = Multiprocessing.getContext(StartMethod.SPAWN).process(() -> listenAndKeep(atExitName));
            child.start();
            assertThat(child.join(Duration.ofSeconds(120))).isTrue();
            assertThat(child.exitCode().orElseThrow()).isZero();
            assertThat(atExit).as("a socket file its JVM left open at exit").doesNotExist();
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static void listenAndDrop(Path path) {
        Listener.listen(UnixDomainSocketAddress.of(path), KEY);
    }

    /** A SPAWN child's target: a listener it never closes, reachable until the JVM exits. */
    static void listenAndKeep(String path) {
        kept = Listener.listen(UnixDomainSocketAddress.of(path), KEY);
        if (!Files.exists(Path.of(path))) {
            throw new IllegalStateException("no socket file");
        }
    }

    static volatile Listener kept;

    /** CPython's Client, with the same key, at the other end of a forkj Listener; then CPython's Listener. */
    @Test
    void cpythonsClientAndListenerAuthenticateWithForkj() throws Exception {
        try (Listener listener = Listener.listen(KEY)) {
            String path = ((UnixDomainSocketAddress) listener.address()).getPath().toString();
            cpythonsClientTalksTo(listener, "'" + path + "'");
        }
        Process py = python("from multiprocessing.connection import Listener\n"
                + "l = Listener(('127.0.0.1', 0), authkey=" + pyBytes(KEY) + ")\n"
                + "print(l.address[1], flush=True)\n"
                + "c = l.accept()\n"
                + "c.send_bytes(c.recv_bytes()[::-1])\n"
                + "c.close(); l.close()\n");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8));
            int port = Integer.parseInt(CompletableFuture.supplyAsync(() -> readLine(out)).get(60, TimeUnit.SECONDS).trim());
            try (Connection c = Client.connect(new InetSocketAddress("127.0.0.1", port), KEY)) {
                c.sendBytes("forkj".getBytes(StandardCharsets.UTF_8));
                assertThat(new String(c.recvBytes(), StandardCharsets.UTF_8)).isEqualTo("jkrof");
            }
            assertThat(py.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(py.exitValue()).isZero();
        } finally {
            stop(py);
        }
    }

    /**
     * CPython's {@code Client(address, authkey=KEY)} ({@code address} a Python literal) sends "from python" to
     * {@code listener}, which answers "from java", and prints it.
     */
    private static void cpythonsClientTalksTo(Listener listener, String address) throws Exception {
        Process py = python("from multiprocessing.connection import Client\n"
                + "c = Client(" + address + ", authkey=" + pyBytes(KEY) + ")\n"
                + "c.send_bytes(b'from python')\n"
                + "print(c.recv_bytes().decode(), flush=True)\n");
        try {
            try (Connection c = listener.accept()) {
                assertThat(new String(c.recvBytes(), StandardCharsets.UTF_8)).isEqualTo("from python");
                c.sendBytes("from java".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(lines(py)).containsExactly("from java");
        } finally {
            stop(py);
        }
    }

    /**
     * Whether thread {@code tid} of this JVM waits for a connection: in {@code poll(2)} or {@code ppoll(2)} on the
     * non-blocking listening socket, or in {@code accept4(2)} (x86-64 7, 271, 288; arm64 73, 242).
     */
    private static boolean inAccept(int tid) {
        List<String> waits = "aarch64".equals(System.getProperty("os.arch")) ? List.of("73", "242") : List.of("7", "271", "288");
        try {
            return waits.contains(Files.readString(Path.of("/proc/self/task", Integer.toString(tid), "syscall"))
                    .split(" ", 2)[0].trim());
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    private static Process python(String program) throws Exception {
        return new ProcessBuilder("python3", "-c", program).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Its output, once it has exited with 0. */
    private static List<String> lines(Process py) throws Exception {
        List<String> out = CompletableFuture.supplyAsync(() -> new BufferedReader(new InputStreamReader(py.getInputStream(),
                StandardCharsets.UTF_8)).lines().toList()).get(60, TimeUnit.SECONDS);
        assertThat(py.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(py.exitValue()).as("python3's exit code").isZero();
        return out;
    }

    /** Kills and reaps it if it is still there (a failed assertion before its end). */
    private static void stop(Process py) throws InterruptedException {
        py.destroyForcibly();
        py.waitFor();
    }

    private static String pyBytes(byte[] b) {
        return "b'" + new String(b, StandardCharsets.US_ASCII) + "'";
    }

    private static String readLine(BufferedReader r) {
        try {
            return r.readLine();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
