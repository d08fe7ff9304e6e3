package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.multiprocessing.Manager;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.internal.manager.RemoteObject;
import io.forkj.multiprocessing.internal.pool.Serial;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A manager's reference counting, against a real server: objects go when their last proxy is collected, a
 * serialized proxy keeps its object for the transit lease, and a child's references end with it, even by SIGKILL.
 * Proxies that must become unreachable are made in helper methods, so no local variable of a test keeps them.
 */
@Timeout(300)
class MpManagerReferencesIT {
    private static final Duration LONG = Duration.ofSeconds(120);

    @AfterAll
    static void stopStandby() {
        Multiprocessing.shutdownStandby();
    }

    @Test
    void anObjectIsDroppedOnceItsLastProxyIsCollectedAndAHeldOneStays() throws Exception {
        try (Manager manager = new Manager()) {
            List<Integer> kept = manager.list(List.of(1));
            long dropped = aDictNoLongerReferenced(manager);
            assertThat(manager.objectCount()).isEqualTo(2);
            assertThat(collectUntil(() -> manager.objectCount() == 1))
                    .as("the dict is dropped: %s", counts(kept)).isTrue();
            assertThat(counts(kept)).doesNotContainKey(dropped).containsEntry(RemoteObject.idOf(kept), 1);
            assertThat(manager.referenceCount(kept)).hasValue(1);
            kept.add(2);
            assertThat(kept).containsExactly(1, 2);
        }
    }

    private static long aDictNoLongerReferenced(Manager manager) {
        Map<String, Integer> d = manager.dict();
        d.put("a", 1);
        assertThat(manager.referenceCount(d)).hasValue(1);
        return RemoteObject.idOf(d);
    }

    @Test
    void aSerializedProxyKeepsItsObjectUntilItIsReadButOnlyForTheLease() throws Exception {
        Duration lease = Duration.ofSeconds(10);
        try (Manager manager = new Manager(lease)) {
            Map<String, Integer> reference = manager.dict();
            long serialized = System.nanoTime();
            Serialized s = serializedDictWithoutAProxyLeft(manager);
            assertThat(collectUntil(() -> Integer.valueOf(0).equals(counts(reference).get(s.id))))
                    .as("the creator's reference is given back, the lease keeps the object: %s", counts(reference))
                    .isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - serialized)).as("collecting took less than the lease")
                    .isLessThan(lease);
            assertThat(readAndUse(s.bytes)).isEqualTo(1);
            assertThat(collectUntil(() -> !counts(reference).containsKey(s.id)))
                    .as("dropped once the copy is collected and the lease ended: %s", counts(reference)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - serialized)).as("not dropped before the lease ended")
                    .isGreaterThanOrEqualTo(lease);
            @SuppressWarnings("unchecked")
            Map<String, Integer> late = (Map<String, Integer>) Serial.fromBytes(s.bytes);
            assertThatThrownBy(() -> late.get("a")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("holds no object").hasMessageContaining("lease");
            assertThat(manager.referenceCount(reference)).hasValue(1);
        }
    }

    /** A serialized proxy and the id of its object. */
    private static final class Serialized {
        final long id;
        final byte[] bytes;

        Serialized(long id, byte[] bytes) {
            this.id = id;
            this.bytes = bytes;
        }
    }

    /** Makes a dict, serializes a proxy to it and lets the proxy go. */
    private static Serialized serializedDictWithoutAProxyLeft(Manager manager) throws Exception {
        Map<String, Integer> d = manager.dict();
        d.put("a", 1);
        return new Serialized(RemoteObject.idOf(d), Serial.toBytes(d));
    }

    @SuppressWarnings("unchecked")
    private static int readAndUse(byte[] bytes) throws Exception {
        Map<String, Integer> copy = (Map<String, Integer>) Serial.fromBytes(bytes);
        return copy.get("a");
    }

    private static Map<Long, Integer> counts(Object anyProxy) {
        return RemoteObject.referenceCounts(anyProxy);
    }

    @Test
    void aProxyStoredInAManagedObjectKeepsItsObject() throws Exception {
        try (Manager manager = new Manager(Duration.ZERO)) {
            Map<String, Object> outer = manager.dict();
            long innerId = storeANewList(manager, outer);
            assertThat(collectUntil(() -> Integer.valueOf(1).equals(counts(outer).get(innerId))))
                    .as("only the server's own proxy holds the list: %s", counts(outer)).isTrue();
            @SuppressWarnings("unchecked")
            List<Integer> inner = (List<Integer>) outer.get("inner");
            assertThat(manager.referenceCount(inner)).hasValue(2);
            inner.add(5);
            assertThat(inner).containsExactly(7, 5);
        }
    }

    private static long storeANewList(Manager manager, Map<String, Object> outer) {
        List<Integer> inner = manager.list(List.of(7));
        outer.put("inner", inner);
        assertThat(manager.referenceCount(inner)).hasValue(2);
        return RemoteObject.idOf(inner);
    }

    @Test
    void aSpawnChildKilledWhileHoldingAProxyGivesItsReferenceBack() throws Exception {
        try (Manager manager = new Manager()) {
            Map<String, Integer> d = manager.dict();
            MpProcess child = new MpProcess(() -> {
                d.put("child", 1);
                Thread.sleep(600_000);
            }).startMethod(StartMethod.SPAWN);
            child.start();
            try {
                assertThat(Kernel.await(LONG, () -> d.containsKey("child") && manager.referenceCount(d).orElse(-1) == 2))
                        .as("the child holds a reference; count %s", manager.referenceCount(d)).isTrue();
            } finally {
                child.kill();
            }
            assertThat(child.join(LONG)).isTrue();
            assertThat(Kernel.await(LONG, () -> manager.referenceCount(d).orElse(-1) == 1))
                    .as("the killed child's reference is given back; count %s", manager.referenceCount(d)).isTrue();
        }
    }

    @Test
    void anObjectAForkChildCreatedIsReferencedByItUntilItEndsAndByWhatHoldsIt() throws Exception {
        try (Manager manager = new Manager()) {
            Map<String, Object> d = manager.dict();
            int before = manager.objectCount();
            MpProcess child = new MpProcess(() -> {
                List<Integer> made = manager.list(List.of(1));
                d.put("made", made);
                Thread.sleep(600_000);
            }).startMethod(StartMethod.FORK).forkDeadline(Duration.ofSeconds(600));
            child.start();
            Object made;
            try {
                assertThat(Kernel.await(LONG, () -> d.containsKey("made"))).as("the FORK child stored its list").isTrue();
                made = d.get("made");
                assertThat(manager.referenceCount(made)).as("the child's, the server's copy in the dict, and ours")
                        .hasValue(3);
            } finally {
                child.kill();
            }
            assertThat(child.join(LONG)).isTrue();
            assertThat(Kernel.await(LONG, () -> manager.referenceCount(made).orElse(-1) == 2))
                    .as("the child's reference ended with it; count %s", manager.referenceCount(made)).isTrue();
            @SuppressWarnings("unchecked")
            List<Integer> list = (List<Integer>) made;
            list.add(2);
            assertThat(list).containsExactly(1, 2);
            assertThat(manager.objectCount()).isEqualTo(before + 1);
        }
    }

    /** Runs the collector until {@code condition} holds, for up to two minutes. */
    private static boolean collectUntil(BooleanSupplier condition) {
        long end = System.nanoTime() + LONG.toNanos();
        while (System.nanoTime() - end < 0) {
            System.gc();
            if (Kernel.await(Duration.ofMillis(200), condition)) {
                return true;
            }
        }
        return false;
    }
}
