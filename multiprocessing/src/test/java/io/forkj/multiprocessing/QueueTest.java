package io.forkj.multiprocessing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shared-memory queue between threads of one JVM: semantics, bounds, wrap-around, many producers and consumers. */
@Timeout(120)
class QueueTest {

    @Test
    void theSeedsQueueOfThree() {
        try (Queue<Object> q = new Queue<>(3)) {
            q.put("hello");
            q.put(Map.of("a", 1));
            q.put(List.of(3, 3, 3));
            assertThat(q.full()).isTrue();
            assertThat(q.qsize()).isEqualTo(3);
            assertThatThrownBy(() -> q.putNowait(123)).isInstanceOf(Queue.Full.class);
            assertThatThrownBy(() -> q.put(123, true, 50, TimeUnit.MILLISECONDS)).isInstanceOf(Queue.Full.class);
            assertThat(q.get()).isEqualTo("hello");
            assertThat(q.get()).isEqualTo(Map.of("a", 1));
            assertThat(q.get()).isEqualTo(List.of(3, 3, 3));
            assertThat(q.empty()).isTrue();
            assertThatThrownBy(q::getNowait).isInstanceOf(Queue.Empty.class);
            assertThatThrownBy(() -> q.get(true, 50, TimeUnit.MILLISECONDS)).isInstanceOf(Queue.Empty.class);
        }
    }

    @Test
    void everyCompactTypeAndSerializedObjectsRoundTrip() {
        try (Queue<Object> q = new Queue<>()) {
            // A lone surrogate has no UTF-8 form: it must arrive as it was sent, not as '?'.
            Object[] items = {null, 7, -7, Long.MIN_VALUE, 2.5, true, false, "包子 0", new byte[] {1, 2, 3},
                    new ArrayList<>(List.of("x")), "a lone \uD800 surrogate", "emoji \uD83D\uDE00", "", -0.0,
                    Double.NaN, Integer.MIN_VALUE};
            for (Object o : items) {
                q.put(o);
            }
            for (Object o : items) {
                Object got = q.get();
                if (o instanceof byte[]) {
                    assertThat((byte[]) got).containsExactly((byte[]) o);
                } else {
                    assertThat(got).isEqualTo(o);
                }
            }
        }
    }

    @Test
    void itemsBiggerThanTheRingAreRefusedAndTheRingWrapsAround() {
        try (Queue<byte[]> q = new Queue<>(0, 1024)) {
            assertThatThrownBy(() -> q.put(new byte[2000])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("2001 bytes").hasMessageContaining("1024");
            for (int round = 0; round < 200; round++) {
                byte[] a = new byte[300 + round % 7];
                a[0] = (byte) round;
                a[a.length - 1] = (byte) ~round;
                q.put(a);
                q.put(a.clone());
                assertThat(q.get()).containsExactly(a);
                assertThat(q.get()).containsExactly(a);
            }
        }
    }

    @Test
    void aNonSerializableItemIsRefusedNamingItsClass() {
        try (Queue<Object> q = new Queue<>()) {
            assertThatThrownBy(() -> q.put(new Object())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("java.lang.Object");
            assertThat(q.empty()).isTrue();
        }
    }

    @Test
    void closedQueuesRefuseUse() {
        Queue<Integer> q = new Queue<>();
        q.close();
        q.close();
        assertThatThrownBy(() -> q.put(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void manyProducersAndConsumersLoseAndDuplicateNothing() throws Exception {
        int producers = 3;
        int consumers = 3;
        int perProducer = 20_000;
        try (Queue<Integer> q = new Queue<>(100, 4096)) {
            BitSet seen = new BitSet();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int base = p * perProducer;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        q.put(base + i);
                    }
                }));
            }
            for (int c = 0; c < consumers; c++) {
                threads.add(new Thread(() -> {
                    while (true) {
                        int v = q.get();
                        if (v < 0) {
                            return;
                        }
                        synchronized (seen) {
                            if (seen.get(v)) {
                                failure.set(new AssertionError("duplicate " + v));
                            }
                            seen.set(v);
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads.subList(0, producers)) {
                t.join();
            }
            for (int c = 0; c < consumers; c++) {
                q.put(-1);
            }
            for (Thread t : threads.subList(producers, threads.size())) {
                t.join();
            }
            assertThat(failure.get()).isNull();
            assertThat(q.empty()).isTrue();
            assertThat(seen.cardinality()).isEqualTo(producers * perProducer);
        }
    }

    @Test
    void joinableQueueJoinWaitsForTaskDone() throws Exception {
        try (JoinableQueue<Integer> q = new JoinableQueue<>()) {
            assertThat(q.join(10, TimeUnit.MILLISECONDS)).isTrue();
            for (int i = 0; i < 10; i++) {
                q.put(i);
            }
            assertThat(q.unfinishedTasks()).isEqualTo(10);
            assertThat(q.join(20, TimeUnit.MILLISECONDS)).isFalse();
            Thread consumer = new Thread(() -> {
                for (int i = 0; i < 10; i++) {
                    q.get();
                    q.taskDone();
                }
            });
            consumer.start();
            q.join();
            assertThat(q.unfinishedTasks()).isZero();
            consumer.join();
            assertThatThrownBy(q::taskDone).isInstanceOf(IllegalStateException.class).hasMessageContaining("too many");
        }
    }

    @Test
    void simpleQueue() {
        try (SimpleQueue<String> q = new SimpleQueue<>()) {
            assertThat(q.empty()).isTrue();
            q.put("a");
            q.put("b");
            assertThat(q.empty()).isFalse();
            assertThat(q.get()).isEqualTo("a");
            assertThat(q.get()).isEqualTo("b");
        }
    }
}
