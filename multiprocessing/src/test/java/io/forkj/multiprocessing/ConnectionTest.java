package io.forkj.multiprocessing;

import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Connections between threads of one JVM, over real socketpairs and pipes. */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConnectionTest {
    private Set<String> fdsBefore;

    /** The first native calls open process-wide fds of their own (a socket, seen in loading the bindings). */
    @BeforeAll
    static void loadTheBindingsFirst() {
        try (Pipe pipe = Pipe.pipe()) {
            pipe.conn1().send("warm");
            pipe.conn2().poll();
            pipe.conn2().recv();
        }
    }

    @BeforeEach
    void recordFds() throws IOException {
        fdsBefore = fds();
    }

    @AfterEach
    void noFdLeft() throws IOException {
        assertThat(fds()).as("open fds after the test").isEqualTo(fdsBefore);
    }

    private static Set<String> fds() throws IOException {
        Set<String> result = new TreeSet<>();
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            list.forEach(p -> {
                try {
                    result.add(p.getFileName() + "->" + Files.readSymbolicLink(p));
                } catch (IOException listingItself) {
                    // the directory stream's own fd, closed by now
                }
            });
        }
        // The JDK opens and closes these on its own at any moment: cgroup files (container support, seen on a CI
        // runner with cgroup v1), /proc files, jars, the random devices, epoll.
        result.removeIf(s -> {
            String target = s.substring(s.indexOf("->") + 2);
            return target.startsWith("/sys/") || target.startsWith("/proc/") || target.endsWith(".jar")
                    || target.contains("random") || target.equals("anon_inode:[eventpoll]");
        });
        return result;
    }

    record Point(int x, String label) implements Serializable {
    }

    static final class Secret implements Serializable {
        private static final long serialVersionUID = 1L;
        int value = 7;
    }

    @Test
    void objectsAndBytesTravelBothWaysOnADuplexPipe() {
        try (Pipe pipe = Pipe.pipe()) {
            Connection a = pipe.conn1();
            Connection b = pipe.conn2();
            List<Object> values = new ArrayList<>(List.of("管道2传给管道1的数据", 42, 7L, 2.5, true, new Point(1, "p"),
                    Map.of("k", List.of(1, 2)), "emoji \uD83D\uDE00 and a lone \uD800 surrogate", ""));
            values.add(null);
            for (Object v : values) {
                a.send(v);
                assertThat(b.recv()).isEqualTo(v);
                b.send(v);
                assertThat(a.recv()).isEqualTo(v);
            }
            a.send(new byte[] {1, 2, 3});
            assertThat((byte[]) b.recv()).containsExactly(1, 2, 3);
            b.sendBytes("hello world".getBytes(StandardCharsets.UTF_8), 6, 5);
            assertThat(new String(a.recvBytes(), StandardCharsets.UTF_8)).isEqualTo("world");
            a.sendBytes(new byte[0]);
            assertThat(b.recvBytes()).isEmpty();
            a.send(5);
            assertThat(b.recv(Integer.class)).isEqualTo(5);
            a.send("five");
            assertThatThrownBy(() -> b.recv(Integer.class)).isInstanceOf(ClassCastException.class)
                    .hasMessageContaining("expected a java.lang.Integer but received a java.lang.String");
        }
    }

    @Test
    void aSimplexPipeReceivesOnConn1AndSendsOnConn2Only() {
        try (Pipe pipe = Pipe.pipe(false)) {
            assertThat(pipe.conn1().readable()).isTrue();
            assertThat(pipe.conn1().writable()).isFalse();
            assertThat(pipe.conn2().readable()).isFalse();
            assertThat(pipe.conn2().writable()).isTrue();
            assertThatThrownBy(() -> pipe.conn1().send("x")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("receive-only");
            assertThatThrownBy(() -> pipe.conn2().recv()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("send-only");
            assertThatThrownBy(() -> pipe.conn2().poll()).isInstanceOf(IllegalStateException.class);
            pipe.conn2().send("one way");
            assertThat(pipe.conn1().recv()).isEqualTo("one way");
        }
    }

    @Test
    void pollWaitsForItsTimeoutThenSeesAMessage() throws Exception {
        try (Pipe pipe = Pipe.pipe()) {
            assertThat(pipe.conn2().poll()).isFalse();
            long start = System.nanoTime();
            assertThat(pipe.conn2().poll(Duration.ofMillis(100))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(95));
            CompletableFuture<Void> later = CompletableFuture.runAsync(() -> pipe.conn1().send("late"));
            assertThat(pipe.conn2().poll(Duration.ofSeconds(30))).isTrue();
            assertThat(pipe.conn2().recv()).isEqualTo("late");
            later.get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> pipe.conn2().poll(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aClosedPeerGivesEofAfterTheLastMessageAndBrokenPipeToSenders() {
        try (Pipe pipe = Pipe.pipe()) {
            pipe.conn1().send("last");
            pipe.conn1().close();
            assertThat(pipe.conn1().closed()).isTrue();
            assertThat(pipe.conn2().poll()).isTrue();
            assertThat(pipe.conn2().recv()).isEqualTo("last");
            assertThat(pipe.conn2().poll()).as("end of file is readable").isTrue();
            assertThatThrownBy(() -> pipe.conn2().recv()).isInstanceOf(ConnectionEofException.class)
                    .hasCauseInstanceOf(java.io.EOFException.class);
            assertThatThrownBy(() -> pipe.conn2().send("x")).isInstanceOf(ConnectionException.class)
                    .hasMessageContaining("EPIPE").hasMessageContaining("BrokenPipeError");
            assertThatThrownBy(() -> pipe.conn1().recv()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
            assertThatThrownBy(() -> pipe.conn1().fileno()).isInstanceOf(IllegalStateException.class);
            pipe.conn1().close();
        }
    }

    @Test
    void aNonSerializableObjectIsRefusedBeforeAnythingIsSent() {
        try (Pipe pipe = Pipe.pipe()) {
            Object lock = new Object();
            assertThatThrownBy(() -> pipe.conn1().send(List.of(lock))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("java.lang.Object").hasMessageContaining("nothing was sent");
            assertThat(pipe.conn2().poll()).isFalse();
        }
    }

    @Test
    void aConnectionCannotBeSentOverAConnection() {
        try (Pipe pipe = Pipe.pipe(); Pipe other = Pipe.pipe()) {
            assertThatThrownBy(() -> pipe.conn1().send(other.conn1())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Connection").hasMessageContaining("not serialized to anything else")
                    .hasCauseInstanceOf(NotSerializableException.class);
        }
    }

    @Test
    void corruptFramesGiveClearErrorsAndCloseTheConnection() {
        try (Pipe pipe = Pipe.pipe(false)) {
            raw(pipe.conn2(), new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe});
            assertThatThrownBy(() -> pipe.conn1().recv()).isInstanceOf(ConnectionException.class)
                    .hasMessageContaining("length header -2 is negative");
            assertThat(pipe.conn1().closed()).isTrue();
        }
        try (Pipe pipe = Pipe.pipe(false)) {
            raw(pipe.conn2(), new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2});
            assertThatThrownBy(() -> pipe.conn1().recvBytes()).isInstanceOf(ConnectionException.class)
                    .hasMessageContaining("2147483647 bytes exceeds the limit of " + Connection.DEFAULT_MAX_MESSAGE_SIZE);
        }
        try (Pipe pipe = Pipe.pipe(false)) {
            raw(pipe.conn2(), new byte[] {0, 0, 0, 3, 0x42, 0, 0});
            assertThatThrownBy(() -> pipe.conn1().recv()).isInstanceOf(UnreadableMessageException.class)
                    .hasMessageContaining("unknown type tag 0x42");
            raw(pipe.conn2(), new byte[] {0, 0, 0, 3, (byte) 0xAC, (byte) 0xED, 0});
            assertThatThrownBy(() -> pipe.conn1().recv()).isInstanceOf(UnreadableMessageException.class)
                    .hasMessageContaining("not a valid Java serialization stream");
            pipe.conn2().send("still usable");
            assertThat(pipe.conn1().recv()).isEqualTo("still usable");
            raw(pipe.conn2(), new byte[] {0, 0, 0, 100, 1, 2, 3});
            pipe.conn2().close();
            assertThatThrownBy(() -> pipe.conn1().recv()).isInstanceOf(ConnectionException.class)
                    .isNotInstanceOf(ConnectionEofException.class)
                    .hasMessageContaining("got end of file during message").hasMessageContaining("3 of 100 bytes");
        }
    }

    @Test
    void recvBytesWithAMaximumRefusesLongerMessagesLikeCPython() {
        try (Pipe pipe = Pipe.pipe()) {
            pipe.conn1().sendBytes(new byte[10]);
            assertThatThrownBy(() -> pipe.conn2().recvBytes(9)).isInstanceOf(ConnectionException.class)
                    .hasMessageContaining("bad message length").hasMessageContaining("(maxLength)");
            assertThat(pipe.conn2().closed()).isTrue();
        }
        try (Pipe pipe = Pipe.pipe()) {
            pipe.conn1().sendBytes(new byte[] {5, 6, 7});
            byte[] small = new byte[4];
            assertThatThrownBy(() -> pipe.conn2().recvBytesInto(small, 2)).isInstanceOfSatisfying(
                    BufferTooShortException.class, e -> assertThat(e.message()).containsExactly(5, 6, 7));
            pipe.conn1().sendBytes(new byte[] {8, 9});
            assertThat(pipe.conn2().recvBytesInto(small, 2)).isEqualTo(2);
            assertThat(small).containsExactly(0, 0, 8, 9);
        }
    }

    @Test
    void unknownClassesAndFilterRejectionsAreNamedAndLeaveTheConnectionUsable() throws Exception {
        try (Pipe pipe = Pipe.pipe()) {
            byte[] secret = serialized(new Secret());
            replace(secret, Secret.class.getName(), Secret.class.getName().replace("Secret", "Secreu"));
            frame(pipe.conn1(), secret);
            assertThatThrownBy(() -> pipe.conn2().recv()).isInstanceOf(UnreadableMessageException.class)
                    .hasMessageContaining("ConnectionTest$Secreu, which is not on this process's class path");

            byte[] longs = serialized(new long[4]);
            int at = indexOf(longs, new byte[] {0, 0, 0, 4});
            longs[at] = 0x10;
            frame(pipe.conn1(), longs);
            assertThatThrownBy(() -> pipe.conn2().recv()).isInstanceOf(UnreadableMessageException.class)
                    .hasMessageContaining("array long[268435460] needs at least 2147483680 bytes");

            pipe.conn1().send(new javax.management.ObjectName("forkj:type=Test"));
            assertThatThrownBy(() -> pipe.conn2().recv()).isInstanceOf(UnreadableMessageException.class)
                    .hasMessageContaining("javax.management.ObjectName is on forkj's deny list");

            // Serializing 1,200 nested lists takes more stack than a default thread has.
            CompletableFuture<Throwable> deepResult = new CompletableFuture<>();
            Thread deepThread = new Thread(null, () -> {
                List<Object> deep = new ArrayList<>();
                List<Object> cursor = deep;
                for (int i = 0; i < 1200; i++) {
                    List<Object> inner = new ArrayList<>();
                    cursor.add(inner);
                    cursor = inner;
                }
                try {
                    pipe.conn1().send(deep);
                    pipe.conn2().recv();
                    deepResult.complete(null);
                } catch (Throwable t) {
                    deepResult.complete(t);
                }
            }, "deep", 512L << 20);
            deepThread.start();
            assertThat(deepResult.get(60, TimeUnit.SECONDS)).isInstanceOf(UnreadableMessageException.class)
                    .hasMessageContaining("nesting depth 1001 exceeds the limit of 1000");

            pipe.conn2().setObjectFilter(info -> info.serialClass() == HashMap.class
                    ? ObjectInputFilter.Status.REJECTED : ObjectInputFilter.Status.UNDECIDED);
            pipe.conn1().send(new HashMap<>(Map.of(1, 2)));
            assertThatThrownBy(() -> pipe.conn2().recv()).isInstanceOf(UnreadableMessageException.class)
                    .hasMessageContaining("the connection's filter rejected java.util.HashMap");
            pipe.conn1().send(new Point(3, "after"));
            assertThat(pipe.conn2().recv()).isEqualTo(new Point(3, "after"));
        }
    }

    @Test
    void largeMessagesArriveIntactWhileTheReaderRuns() throws Exception {
        byte[] big = new byte[64 << 20];
        new java.util.Random(13).nextBytes(big);
        try (Pipe pipe = Pipe.pipe()) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(pipe.conn2()::recvBytes);
            pipe.conn1().sendBytes(big);
            assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(big);
            CompletableFuture<Object> object = CompletableFuture.supplyAsync(pipe.conn1()::recv);
            pipe.conn2().send(big);
            assertThat((byte[]) object.get(60, TimeUnit.SECONDS)).isEqualTo(big);
        }
    }

    @Test
    void threadsSharingOneEndNeverInterleaveFrames() throws Exception {
        try (Pipe pipe = Pipe.pipe()) {
            int perThread = 2000;
            List<CompletableFuture<Void>> senders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                byte[] payload = new byte[70_000];
                java.util.Arrays.fill(payload, (byte) t);
                senders.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < perThread / 20; i++) {
                        pipe.conn1().sendBytes(payload);
                    }
                }, command -> new Thread(command).start()));
            }
            for (int i = 0; i < 4 * perThread / 20; i++) {
                byte[] m = pipe.conn2().recvBytes();
                assertThat(m).hasSize(70_000);
                byte first = m[0];
                for (byte b : m) {
                    assertThat(b).isEqualTo(first);
                }
            }
            for (CompletableFuture<Void> s : senders) {
                s.get(60, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void maxMessageSizeIsCheckedOnBothEnds() {
        try (Pipe pipe = Pipe.pipe()) {
            pipe.conn1().setMaxMessageSize(10);
            assertThatThrownBy(() -> pipe.conn1().sendBytes(new byte[11])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("11 bytes exceeds the connection's maxMessageSize of 10");
            assertThatThrownBy(() -> pipe.conn1().setMaxMessageSize(0)).isInstanceOf(IllegalArgumentException.class);
            pipe.conn2().sendBytes(new byte[11]);
            assertThatThrownBy(() -> pipe.conn1().recvBytes()).isInstanceOf(ConnectionException.class)
                    .hasMessageContaining("exceeds the limit of 10 bytes (maxMessageSize)");
        }
    }

    @Test
    void fdsAreCloseOnExecAndFilenoIsTheFd() throws Exception {
        try (Pipe duplex = Pipe.pipe(); Pipe simplex = Pipe.pipe(false)) {
            for (Connection c : List.of(duplex.conn1(), duplex.conn2(), simplex.conn1(), simplex.conn2())) {
                assertThat(Native.libc().fcntl(c.fileno(), 1, 0) & 1).as("FD_CLOEXEC of %s", c).isEqualTo(1);
                assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + c.fileno())).toString())
                        .startsWith(c == duplex.conn1() || c == duplex.conn2() ? "socket:" : "pipe:");
            }
        }
    }

    private static void raw(Connection end, byte[] bytes) {
        long n = Native.libc().write(end.fileno(), bytes, bytes.length);
        assertThat(n).isEqualTo(bytes.length);
    }

    private static void frame(Connection end, byte[] body) {
        end.sendBytes(body);
    }

    private static byte[] serialized(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    private static void replace(byte[] data, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        int at = indexOf(data, f);
        System.arraycopy(t, 0, data, at, t.length);
    }

    private static int indexOf(byte[] data, byte[] what) {
        outer:
        for (int i = data.length - what.length; i >= 0; i--) {
            for (int j = 0; j < what.length; j++) {
                if (data[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }
}
