package io.forkj.it.mp;

import io.forkj.WaitStatus;
import io.forkj.it.Kernel;
import io.forkj.it.RawChild;
import io.forkj.it.Subreaper;
import io.forkj.multiprocessing.Connection;
import io.forkj.multiprocessing.ConnectionEofException;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.Pipe;
import io.forkj.multiprocessing.StartMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code Connection.waitAny}, Python's {@code multiprocessing.connection.wait}: one wait over connections and
 * processes, with real children, pipes and pidfds; what it returns is checked against what each object then does
 * ({@code recv} answers at once, {@code exitCode} is there), and no fd or process is left.
 */
@ExtendWith({Subreaper.class, NoFdLeft.class})
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MpConnectionWaitIT {
    private static final Duration LONG = Duration.ofSeconds(120);

    @BeforeAll
    static void warmTheParentPaths() throws InterruptedException {
        // A FORK child may run only code this JVM ran before: the connection paths the children use, once.
        try (Pipe duplex = Pipe.pipe(); Pipe simplex = Pipe.pipe(false)) {
            duplex.conn1().send("s");
            duplex.conn2().recv();
            simplex.conn2().send("t");
            simplex.conn1().recv();
        }
        // The standby pool's own fds then exist before the first test counts them.
        MpProcess p = Children.start(StartMethod.STANDBY, () -> { });
        assertThat(p.join(LONG)).isTrue();
        p.close();
    }

    @AfterAll
    static void stopStandby() {
        Multiprocessing.shutdownStandby();
    }

    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void itReturnsExactlyTheConnectionsAndProcessesThatAreReady(StartMethod method) throws Exception {
        try (Pipe a = Pipe.pipe(); Pipe b = Pipe.pipe(); Pipe go = Pipe.pipe(false)) {
            Connection bChild = b.conn2();
            Connection goReader = go.conn1();
            MpProcess p = Children.start(method, () -> {
                goReader.recv();
                bChild.send("on b");
                goReader.recv();
            });
            bChild.close();
            goReader.close();
            List<Object> all = List.of(a.conn1(), b.conn1(), p);

            long start = System.nanoTime();
            assertThat(Connection.waitAny(all, Duration.ofMillis(300))).as("ready before anything was sent").isEmpty();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(295));

            go.conn2().send("go");
            assertThat(Connection.waitAny(all, LONG)).as("ready after the child sent on b").containsExactly(b.conn1());
            assertThat(b.conn1().recv()).isEqualTo("on b");

            go.conn2().send("exit");
            // The exit closes the child's end of b (the last one open: the parent closed its copy), so b comes to
            // end of file at about the time the process ends: wait until both are seen.
            assertThat(Kernel.await(LONG, () -> Connection.waitAny(all, LONG).contains(p)))
                    .as("the process ready once it ended").isTrue();
            assertThat(Connection.waitAny(all, Duration.ZERO)).as("ready after the child ended")
                    .containsExactly(b.conn1(), p);
            assertThat(p.exitCode()).as("the exit code of a process waitAny returned").hasValue(0);
            assertThat(Connection.waitAny(all, Duration.ZERO)).as("a reaped process stays ready")
                    .containsExactly(b.conn1(), p);
            assertThatThrownBy(() -> b.conn1().recv()).isInstanceOf(ConnectionEofException.class);

            a.conn2().close();
            assertThat(Connection.waitAny(List.of(a.conn1()))).as("end of file is ready").containsExactly(a.conn1());
            assertThatThrownBy(() -> a.conn1().recv()).isInstanceOf(ConnectionEofException.class);
            p.close();
        }
    }

    @Test
    void processesAreReadyInTheOrderTheyEndAndTheListKeepsItsOwnOrder() throws Exception {
        try (Pipe first = Pipe.pipe(false); Pipe second = Pipe.pipe(false)) {
            Connection firstGo = first.conn1();
            Connection secondGo = second.conn1();
            MpProcess p1 = Children.start(StartMethod.SPAWN, () -> firstGo.recv());
            MpProcess p2 = Children.start(StartMethod.SPAWN, () -> secondGo.recv());
            firstGo.close();
            secondGo.close();
            List<MpProcess> both = List.of(p1, p2);
            assertThat(Connection.waitAny(both, Duration.ZERO)).isEmpty();
            second.conn2().send("end");
            assertThat(Connection.waitAny(both, LONG)).containsExactly(p2);
            first.conn2().send("end");
            assertThat(Kernel.await(LONG, () -> Connection.waitAny(both, LONG).size() == 2)).isTrue();
            assertThat(Connection.waitAny(List.of(p2, p1, p2), Duration.ZERO)).containsExactly(p2, p1, p2);
            assertThat(p1.exitCode()).hasValue(0);
            assertThat(p2.exitCode()).hasValue(0);
            p1.close();
            p2.close();
        }
    }

    /**
     * Python's {@code parent_process().sentinel}: a grandchild waits on its parent's view, the parent is killed,
     * the grandchild (adopted by this JVM, a subreaper) reports and exits.
     */
    @Test
    void aChildsViewOfItsParentIsReadyWhenTheParentDies() throws Exception {
        try (Pipe report = Pipe.pipe(false)) {
            Connection reporter = report.conn2();
            MpProcess middle = Children.start(StartMethod.SPAWN, () -> {
                MpProcess grandchild = new MpProcess(() -> {
                    MpProcess parent = Multiprocessing.parentProcess().orElseThrow();
                    reporter.send(Multiprocessing.currentProcess().pid());
                    List<MpProcess> ready = Connection.waitAny(List.of(parent), Duration.ofSeconds(60));
                    reporter.send(ready.size() == 1 && ready.get(0) == parent ? "parent gone" : "timed out: " + ready);
                }).startMethod(StartMethod.SPAWN);
                grandchild.start();
                Thread.sleep(600_000);
            });
            reporter.close();
            assertThat(report.conn1().poll(LONG)).as("the grandchild started").isTrue();
            int grandchild = (Integer) report.conn1().recv();
            assertThat(report.conn1().poll(Duration.ofMillis(300))).as("a report while the parent lives").isFalse();
            middle.kill();
            assertThat(middle.join(LONG)).isTrue();
            assertThat(report.conn1().poll(LONG)).as("the grandchild's report").isTrue();
            assertThat(report.conn1().recv()).isEqualTo("parent gone");
            assertThat(RawChild.reap(grandchild, LONG)).isEqualTo(new WaitStatus.Exited(grandchild, 0));
            middle.close();
        }
    }

    @Test
    void badArgumentsAreRefusedNamingTheRule() throws Exception {
        try (Pipe duplex = Pipe.pipe(); Pipe simplex = Pipe.pipe(false)) {
            Connection c = duplex.conn1();
            assertThatThrownBy(() -> Connection.waitAny(List.of("text"), Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String")
                    .hasMessageContaining("index 0");
            assertThatThrownBy(() -> Connection.waitAny(Arrays.asList(c, null), Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not null (at index 1");
            assertThatThrownBy(() -> Connection.waitAny(null, Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not null");
            assertThatThrownBy(() -> Connection.waitAny(List.of(c), Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
            assertThatThrownBy(() -> Connection.waitAny(List.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wait for ever");
            assertThat(Connection.waitAny(List.of(), Duration.ofMillis(20))).isEmpty();
            assertThatThrownBy(() -> Connection.waitAny(List.of(simplex.conn2()), Duration.ZERO))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("send-only");
            MpProcess notStarted = new MpProcess(() -> { });
            assertThatThrownBy(() -> Connection.waitAny(List.of(c, notStarted), Duration.ZERO))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("can only wait for a started process");
            assertThatThrownBy(() -> Connection.waitAny(List.of(Multiprocessing.currentProcess()), Duration.ZERO))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("is this process");
            // A timeout past Duration.toNanos()'s range is no limit, not an ArithmeticException.
            duplex.conn2().send("here");
            assertThat(c.poll(Duration.ofSeconds(Long.MAX_VALUE))).isTrue();
            assertThat(Connection.waitAny(List.of(c), Duration.ofSeconds(Long.MAX_VALUE))).containsExactly(c);
            assertThat(c.recv()).isEqualTo("here");
            duplex.conn2().close();
            duplex.conn1().close();
            assertThatThrownBy(() -> Connection.waitAny(List.of(c), Duration.ZERO))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    /**
     * Two threads wait on the same connections listed in opposite orders while a third sends: taking the receiving
     * sides one by one in list order could deadlock them; all-or-none cannot.
     */
    @Test
    void waitsOverTheSameConnectionsInOppositeOrdersDoNotDeadlock() throws Exception {
        try (Pipe a = Pipe.pipe(); Pipe b = Pipe.pipe()) {
            List<Connection> ab = List.of(a.conn1(), b.conn1());
            List<Connection> ba = List.of(b.conn1(), a.conn1());
            Thread[] waiters = new Thread[2];
            int[] rounds = new int[2];
            for (int w = 0; w < 2; w++) {
                int which = w;
                waiters[w] = new Thread(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        Connection.waitAny(which == 0 ? ab : ba, Duration.ofMillis(1));
                        rounds[which]++;
                    }
                }, "waiter-" + w);
                waiters[w].start();
            }
            for (Thread t : waiters) {
                t.join(LONG.toMillis());
                assertThat(t.isAlive()).as("%s finished its 2,000 waits", t.getName()).isFalse();
            }
            assertThat(rounds).containsExactly(2_000, 2_000);
        }
    }
}
