package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.pool.Serial;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A real manager server process, used from threads of this JVM. */
@Timeout(120)
class ManagerTest {

    @Test
    void proxiesBehaveLikeTheirInterfacesAndServerExceptionsReachTheCaller() throws Exception {
        try (Manager manager = new Manager()) {
            Map<Object, Object> d = manager.dict();
            d.put(1, "1");
            d.put("2", 2);
            d.put(0.25, null);
            assertThat(d).hasSize(3);
            assertThat(d.get("2")).isEqualTo(2);
            assertThat(d.containsKey(0.25)).isTrue();
            assertThat(d.keySet()).containsExactlyInAnyOrder(1, "2", 0.25);
            assertThat(d.toString()).isEqualTo("{1=1, 2=2, 0.25=null}");
            List<Integer> l = manager.list(List.of(1, 2));
            l.add(666);
            assertThat(l).containsExactly(1, 2, 666);
            assertThat(l.remove(0)).isEqualTo(1);
            assertThat(l.remove(Integer.valueOf(666))).isTrue();
            assertThatThrownBy(() -> l.get(99)).isInstanceOf(IndexOutOfBoundsException.class);
            Namespace ns = manager.namespace();
            ns.set("x", 10);
            assertThat(ns.get("x")).isEqualTo(10);
            assertThatThrownBy(() -> ns.get("y")).isInstanceOf(NoSuchElementException.class)
                    .hasMessageContaining("'y'");
            ValueProxy<Integer> v = manager.value(5000);
            assertThat(v.update(x -> x + 1)).isEqualTo(5001);
            AcquirerProxy lock = manager.lock();
            assertThat(lock.acquire()).isTrue();
            assertThat(lock.acquire(false)).isFalse();
            lock.release();
            assertThatThrownBy(lock::release).isInstanceOf(IllegalStateException.class);
            BlockingQueue<String> q = manager.queue(2);
            q.put("a");
            assertThat(q.offer("b")).isTrue();
            assertThat(q.offer("c")).isFalse();
            assertThat(q.take()).isEqualTo("a");
            assertThat(q.poll(10, TimeUnit.MILLISECONDS)).isEqualTo("b");
            assertThat(q.poll(10, TimeUnit.MILLISECONDS)).isNull();
            assertThatThrownBy(() -> d.merge("k", 1, (a, b) -> b)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Serializable");
        }
    }

    @Test
    void badArgumentsAreRefusedNamingTheValueAndTheRule() throws Exception {
        assertThatThrownBy(() -> new Manager(java.time.Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-1S").hasMessageContaining("outside 0..");
        assertThatThrownBy(() -> new Manager(java.time.Duration.ofDays(366))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT8784H");
        try (Manager manager = new Manager(); Manager other = new Manager()) {
            assertThatThrownBy(() -> manager.referenceCount(List.of(1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a proxy of the manager at " + manager.address());
            assertThatThrownBy(() -> manager.referenceCount(other.list())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a proxy of the manager");
            assertThatThrownBy(() -> manager.referenceCount(null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("null is not a manager proxy");
        }
    }

    @Test
    void concurrentMergesLoseNoUpdate() throws Exception {
        try (Manager manager = new Manager()) {
            Map<String, Integer> d = manager.dict();
            d.put("n", 0);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 250; i++) {
                        d.merge("n", 1, (SerializableBiFunction<Integer, Integer, Integer>) Integer::sum);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            assertThat(d.get("n")).isEqualTo(1000);
        }
    }

    @Test
    void proxiesSurviveSerialization() throws Exception {
        try (Manager manager = new Manager()) {
            Map<String, Integer> d = manager.dict();
            d.put("a", 1);
            @SuppressWarnings("unchecked")
            Map<String, Integer> copy = (Map<String, Integer>) Serial.fromBytes(Serial.toBytes(d));
            copy.put("b", 2);
            assertThat(d).containsEntry("b", 2);
            assertThat(copy).isEqualTo(d);
        }
    }

    @Test
    void aPeerWithTheWrongAuthkeyIsRejectedAndTheServerEndsWithTheManager() throws Exception {
        Manager manager = new Manager();
        int pid = manager.pid();
        try {
            Manager.checkAuthkey(manager.address(), new byte[32]);
            throw new AssertionError("a wrong authkey was accepted");
        } catch (AuthenticationException expected) {
            assertThat(expected).hasMessageContaining("rejected");
        }
        Map<String, Integer> d = manager.dict();
        d.put("still", 1);
        assertThat(d.get("still")).isEqualTo(1);
        manager.close();
        assertThat(ProcessHandle.of(pid)).isEmpty();
        assertThat(Files.exists(manager.address())).isFalse();
        assertThatThrownBy(() -> d.get("still")).isInstanceOf(java.io.UncheckedIOException.class);
    }
}
