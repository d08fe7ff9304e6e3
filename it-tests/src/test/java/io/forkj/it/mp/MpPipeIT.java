package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.multiprocessing.Connection;
import io.forkj.multiprocessing.ConnectionEofException;
import io.forkj.multiprocessing.ConnectionException;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.Pipe;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.Target;
import io.forkj.multiprocessing.UnreadableMessageException;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Pipe connections between this JVM and FORK, SPAWN and standby children started with MpProcess: messages both
 * ways, direction, poll, end of file, children killed while blocked or mid-message, raw corrupt frames, classes
 * and filters on the receiving side, 64 MiB messages, and no fd left behind.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(NoFdLeft.class)
class MpPipeIT {
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final int BIG = 64 << 20;
    /** Created before any FORK child, so a FORK child sends it without allocating. */
    private static final byte[] BIG_MESSAGE = new byte[BIG];

    @BeforeAll
    static void warmTheParentPaths() throws Exception {
        new java.util.Random(64).nextBytes(BIG_MESSAGE);
        // A FORK child may run only code this JVM ran before: every connection path the children use, once.
        try (Pipe duplex = Pipe.pipe(); Pipe simplex = Pipe.pipe(false)) {
            for (Object o : new Object[] {"s", 1, List.of(1), new byte[1]}) {
                duplex.conn1().send(o);
                duplex.conn2().recv();
            }
            duplex.conn1().sendBytes(new byte[3]);
            duplex.conn2().poll(Duration.ofMillis(1));
            duplex.conn2().recvBytes();
            Native.libc().fcntl(duplex.conn2().fileno(), 1 /* F_GETFD */, 0);
            byte[] emptyFrame = {0, 0, 0, 0};
            Native.libc().write(duplex.conn1().fileno(), emptyFrame, emptyFrame.length);
            duplex.conn2().recvBytes();
            try {
                simplex.conn2().recv();
            } catch (IllegalStateException expected) {
                simplex.conn2().send(expected.getMessage());
            }
            simplex.conn1().recv();
        }
        // The standby pool's own fds then exist before the first test counts them.
        MpProcess p = start(StartMethod.STANDBY, () -> { });
        finish(p);
    }

    @AfterAll
    static void stopStandby() {
        Multiprocessing.shutdownStandby();
    }

    private static MpProcess start(StartMethod method, Target target) {
        if (method == StartMethod.FORK) {
            // A FORK child can allocate only what eden has free at the fork (Fork.allocationBudget()); these tests
            // allocate 64 MiB messages between children, so they empty eden first rather than risk a stalled child.
            System.gc();
        }
        MpProcess p = Multiprocessing.getContext(method).process(target);
        p.start();
        return p;
    }

    /** Receives from a child, failing instead of hanging if nothing comes (a FORK child that stalled, say). */
    private static Object recv(Connection c) {
        assertThat(c.poll(LONG)).as("a message or end of file on %s within %s", c, LONG).isTrue();
        return c.recv();
    }

    private static int finish(MpProcess p) throws InterruptedException {
        assertThat(p.join(LONG)).as("%s ends", p).isTrue();
        int code = p.exitCode().orElseThrow();
        p.close();
        return code;
    }

    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void objectsAndBytesTravelBothWays(StartMethod method) throws Exception {
        try (Pipe pipe = Pipe.pipe()) {
            Connection child = pipe.conn2();
            MpProcess p = start(method, () -> {
                Object got = child.recv();
                child.send("child got " + got);
                byte[] bytes = child.recvBytes();
                child.sendBytes(bytes, 1, bytes.length - 1);
                child.send(Native.libc().fcntl(child.fileno(), 1 /* F_GETFD */, 0) & 1);
                child.close();
            });
            child.close();
            Connection parent = pipe.conn1();
            parent.send(List.of(1, "二"));
            assertThat(recv(parent)).isEqualTo("child got [1, 二]");
            parent.sendBytes("悄悄话".getBytes(StandardCharsets.UTF_8));
            assertThat(parent.recvBytes()).isEqualTo(Arrays.copyOfRange("悄悄话".getBytes(StandardCharsets.UTF_8), 1, 9));
            assertThat(recv(parent)).as("FD_CLOEXEC of the connection in the child").isEqualTo(1);
            assertThatThrownBy(() -> recv(parent)).isInstanceOf(ConnectionEofException.class);
            assertThat(finish(p)).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void aSimplexPipeOnlySendsFromConn2(StartMethod method) throws Exception {
        try (Pipe pipe = Pipe.pipe(false)) {
            Connection writer = pipe.conn2();
            MpProcess p = start(method, () -> {
                try {
                    writer.recv();
                    writer.send("recv worked on a send-only end");
                } catch (IllegalStateException expected) {
                    writer.send(expected.getMessage());
                }
            });
            writer.close();
            assertThat(recv(pipe.conn1())).asString().contains("send-only");
            assertThatThrownBy(() -> pipe.conn1().send("x")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("receive-only");
            assertThat(finish(p)).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void pollTimesOutThenSeesTheChildsMessageAndEof(StartMethod method) throws Exception {
        try (Pipe pipe = Pipe.pipe(); Pipe go = Pipe.pipe(false)) {
            Connection child = pipe.conn2();
            Connection goReader = go.conn1();
            MpProcess p = start(method, () -> {
                goReader.recv();
                child.send("after go");
                child.close();
                goReader.recv();
            });
            child.close();
            goReader.close();
            long start = System.nanoTime();
            assertThat(pipe.conn1().poll(Duration.ofMillis(300))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(295));
            go.conn2().send("go");
            assertThat(pipe.conn1().poll(LONG)).isTrue();
            assertThat(pipe.conn1().recv()).isEqualTo("after go");
            // The child closed its end and still runs: end of file comes from the close, not from the exit.
            assertThat(pipe.conn1().poll(LONG)).isTrue();
            assertThatThrownBy(() -> pipe.conn1().recv()).isInstanceOf(ConnectionEofException.class);
            assertThat(p.isAlive()).isTrue();
            go.conn2().send("exit");
            assertThat(finish(p)).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void terminateEndsAChildBlockedInRecvAndTheParentSeesEof(StartMethod method) throws Exception {
        try (Pipe pipe = Pipe.pipe()) {
            Connection child = pipe.conn2();
            MpProcess p = start(method, () -> {
                child.send("ready");
                child.recv();
            });
            child.close();
            assertThat(recv(pipe.conn1())).isEqualTo("ready");
            assertThat(Kernel.await(LONG, () -> Kernel.state(p.pid()).orElse('?') == 'S'))
                    .as("child %d sleeps in recv", p.pid()).isTrue();
            p.terminate();
            assertThat(finish(p)).isEqualTo(-15);
            assertThatThrownBy(() -> recv(pipe.conn1())).isInstanceOf(ConnectionEofException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void aChildKilledMidSendLeavesAClearErrorNotAHang(StartMethod method) throws Exception {
        try (Pipe pipe = Pipe.pipe()) {
            Connection child = pipe.conn2();
            byte[] big = BIG_MESSAGE;
            MpProcess p = start(method, () -> child.sendBytes(big));
            child.close();
            // 64 MiB cannot fit in the socket's buffer: once data is there, the child is blocked mid-message.
            assertThat(pipe.conn1().poll(LONG)).isTrue();
            assertThat(Kernel.await(LONG, () -> Kernel.state(p.pid()).orElse('?') == 'S')).isTrue();
            p.kill();
            assertThat(finish(p)).isEqualTo(-9);
            assertThatThrownBy(() -> pipe.conn1().recvBytes()).isInstanceOf(ConnectionException.class)
                    .isNotInstanceOf(ConnectionEofException.class)
                    .hasMessageContaining("got end of file during message").hasMessageContaining("of " + BIG + " bytes");
        }
    }

    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void corruptFramesFromARawWriterGiveClearErrorsInBoundedMemory(StartMethod method) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[][] frames = {
            {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 1, 2, 3},    // 2 GiB - 16: over the limit
            {0x1f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3},    // 512 MiB - 1 announced, 3 bytes sent
            {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x80, 9},   // negative length
        };
        String[] errors = {"exceeds the limit of " + Connection.DEFAULT_MAX_MESSAGE_SIZE, "3 of 536870911 bytes",
            "length header -128 is negative"};
        for (int i = 0; i < frames.length; i++) {
            try (Pipe pipe = Pipe.pipe(false)) {
                Connection writer = pipe.conn2();
                byte[] frame = frames[i];
                MpProcess p = start(method, () -> Native.libc().write(writer.fileno(), frame, frame.length));
                writer.close();
                assertThat(finish(p)).isZero();
                long allocated = threads.getCurrentThreadAllocatedBytes();
                assertThatThrownBy(() -> pipe.conn1().recvBytes()).isInstanceOf(ConnectionException.class)
                        .hasMessageContaining(errors[i]);
                assertThat(threads.getCurrentThreadAllocatedBytes() - allocated).as("bytes allocated by recv")
                        .isLessThan(20L << 20);
                assertThat(pipe.conn1().closed()).isTrue();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = StartMethod.class, names = {"SPAWN", "STANDBY"})
    void aClassTheReceiverLacksIsNamedAndTheConnectionStaysUsable(StartMethod method) throws Exception {
        try (Pipe pipe = Pipe.pipe()) {
            Connection child = pipe.conn2();
            MpProcess p = start(method, () -> {
                child.send(classOnlyInThisProcess());
                child.send(new javax.management.ObjectName("forkj:type=Pipe"));
                child.send(new java.util.HashMap<>(Map.of("key", "value")));
                child.send("after the refusals");
            });
            child.close();
            Connection parent = pipe.conn1();
            assertThatThrownBy(() -> recv(parent)).isInstanceOf(UnreadableMessageException.class)
                    .hasMessageContaining("io.forkj.it.mp.PipeSecreu, which is not on this process's class path");
            assertThatThrownBy(() -> recv(parent)).isInstanceOf(UnreadableMessageException.class)
                    .hasMessageContaining("javax.management.ObjectName is on forkj's deny list");
            parent.setObjectFilter(ObjectInputFilter.Config.createFilter("!java.util.HashMap"));
            assertThatThrownBy(() -> recv(parent)).isInstanceOf(UnreadableMessageException.class)
                    .hasMessageContaining("the connection's filter rejected java.util.HashMap");
            assertThat(recv(parent)).isEqualTo("after the refusals");
            assertThat(finish(p)).isZero();
        }
    }

    @org.junit.jupiter.api.Test
    void theMpPipeDemoPrintsTheSeedsConversation() throws Exception {
        io.forkj.it.Cli.Result r = io.forkj.it.Cli.run(Duration.ofMinutes(3), "demo", "mp-pipe");
        assertThat(r.exitCode()).as("exit code; stderr: %s", r.err()).isZero();
        assertThat(r.out().lines().toList()).containsSubsequence(
                "管道2传给管道1的数据 肥水不流外人田",
                "管道1传给管道2的数据 跟你说句悄悄话");
    }

    /** An object of io.forkj.it.mp.PipeSecreu: PipeSecret's bytecode renamed, defined in a loader of its own. */
    static Object classOnlyInThisProcess() throws Exception {
        byte[] code;
        try (InputStream in = PipeSecret.class.getResourceAsStream("PipeSecret.class")) {
            code = in.readAllBytes();
        }
        String latin1 = new String(code, StandardCharsets.ISO_8859_1).replace("PipeSecret", "PipeSecreu");
        byte[] renamed = latin1.getBytes(StandardCharsets.ISO_8859_1);
        ClassLoader onlyHere = new ClassLoader(MpPipeIT.class.getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (name.equals("io.forkj.it.mp.PipeSecreu")) {
                    return defineClass(name, renamed, 0, renamed.length);
                }
                throw new ClassNotFoundException(name);
            }
        };
        return onlyHere.loadClass("io.forkj.it.mp.PipeSecreu").getConstructor().newInstance();
    }

    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void sixtyFourMebibyteMessagesArriveIntact(StartMethod method) throws Exception {
        try (Pipe pipe = Pipe.pipe()) {
            Connection child = pipe.conn2();
            byte[] big = BIG_MESSAGE;
            boolean echo = method != StartMethod.FORK;
            MpProcess p = start(method, () -> {
                child.sendBytes(big);
                if (echo) {
                    // A whole JVM can allocate 64 MiB; a FORK child only sends what it inherited.
                    child.send(child.recvBytes());
                }
            });
            child.close();
            assertThat(pipe.conn1().poll(LONG)).isTrue();
            assertThat(pipe.conn1().recvBytes()).isEqualTo(BIG_MESSAGE);
            if (echo) {
                pipe.conn1().sendBytes(BIG_MESSAGE);
                assertThat((byte[]) recv(pipe.conn1())).isEqualTo(BIG_MESSAGE);
            }
            assertThat(finish(p)).isZero();
        }
    }
}
