package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.FdExport;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The public shared objects in one process (threads); across processes: PrimitivesTest and it-tests' io.forkj.it.mp. */
class SharedObjectsTest {

    @Test
    void valuesOfEveryTypeCodeHoldWhatFitsAndRejectWhatDoesNot() {
        Value i = new Value('i', 5000);
        assertThat(i.get()).isEqualTo(5000);
        i.set(i.getInt() + 1000);
        assertThat(i.getInt()).isEqualTo(6000);
        assertThatThrownBy(() -> i.set(1L << 40)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1099511627776").hasMessageContaining("'i'");
        assertThat(new Value('d', 3.5).get()).isEqualTo(3.5);
        assertThat(new Value('f', 1.25).get()).isEqualTo(1.25f);
        assertThat(new Value('c', (byte) 'a').get()).isEqualTo((byte) 'a');
        assertThat(new Value('u', 'x').get()).isEqualTo("x");
        assertThat(new Value('u', "\uD83D\uDE00").get()).isEqualTo("\uD83D\uDE00");
        assertThat(new RawValue('B', 255).get()).isEqualTo(255);
        assertThatThrownBy(() -> new RawValue('B', 256)).hasMessageContaining("256").hasMessageContaining("0..255");
        assertThatThrownBy(() -> new RawValue('H', -1)).hasMessageContaining("-1");
        assertThat(new RawValue('h', -32768).get()).isEqualTo(-32768);
        assertThat(new RawValue('I', 0xFFFF_FFFFL).get()).isEqualTo(0xFFFF_FFFFL);
        assertThat(new RawValue('q', Long.MIN_VALUE).get()).isEqualTo(Long.MIN_VALUE);
        assertThatThrownBy(() -> new Value('z', 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'z'").hasMessageContaining("b B c h H i I l L q Q f d u");
        assertThatThrownBy(() -> new Value('i', "five")).hasMessageContaining("five");
        assertThatThrownBy(() -> new Value('i', 1.5)).hasMessageContaining("1.5");
        assertThatThrownBy(() -> new Value('i', 1, false).getLock()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void atomicsWrapLikeCAndWorkOnSubWordTypes() {
        RawValue i = new RawValue('i', Integer.MAX_VALUE);
        assertThat(i.getAndAdd(1)).isEqualTo(Integer.MAX_VALUE);
        assertThat(i.getLong()).isEqualTo(Integer.MIN_VALUE);
        RawValue b = new RawValue('B', 254);
        assertThat(b.incrementAndGet()).isEqualTo(255);
        b.getAndAdd(1);
        assertThat(b.get()).isEqualTo(0);
        RawValue h = new RawValue('h', 7);
        assertThat(h.compareAndSet(7, -9)).isTrue();
        assertThat(h.compareAndSet(7, 1)).isFalse();
        assertThat(h.get()).isEqualTo(-9);
        RawValue d = new RawValue('d', 1.5);
        assertThat(d.getAndAdd(2.0)).isEqualTo(1.5);
        assertThat(d.getDouble()).isEqualTo(3.5);
        assertThatThrownBy(() -> d.getAndAdd(1L)).isInstanceOf(UnsupportedOperationException.class);
        RawArray bytes = new RawArray('b', new byte[] {1, 2, 3, 4, 5});
        bytes.getAndAdd(2, 10);
        assertThat(bytes.toList()).containsExactly(1, 2, 13, 4, 5);
    }

    @Test
    void arraysIndexIterateAndShowBytesAsPythonDoes() {
        Array a = new Array('i', new int[] {1, 2, 3});
        a.set(0, -1);
        List<Object> seen = new ArrayList<>();
        a.forEach(seen::add);
        assertThat(seen).containsExactly(-1, 2, 3);
        assertThatThrownBy(() -> a.get(3)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("3")
                .hasMessageContaining("length 3");
        assertThatThrownBy(() -> a.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new Array('i', -2)).hasMessageContaining("-2");
        assertThat(new Array('d', 4).toList()).containsExactly(0.0, 0.0, 0.0, 0.0);
        Array s = new Array('c', "hello".getBytes());
        s.set(0, (byte) 'H');
        assertThat(RawArray.bytesRepr(s.value())).isEqualTo("b'Hello'");
        s.setValue("Hi".getBytes());
        assertThat(RawArray.bytesRepr(s.value())).isEqualTo("b'Hi'");
        assertThat(RawArray.bytesRepr(s.raw())).isEqualTo("b'Hi\\x00lo'");
        assertThatThrownBy(() -> s.setValue("toolong".getBytes())).hasMessageContaining("7 bytes");
        assertThat(new RawArray('u', "héllo").stringValue()).isEqualTo("héllo");
        assertThatThrownBy(() -> a.value()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> new Array('i', new int[] {1, 2}, true).set(1, 1L << 33))
                .hasMessageContaining("8589934592");
    }

    @Test
    void locksFollowPythonsRulesAndTimeOut() {
        Lock lock = new Lock();
        assertThat(lock.acquire(false, null)).isTrue();
        long start = System.nanoTime();
        assertThat(lock.acquire(true, Duration.ofMillis(50))).isFalse();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(50_000_000L);
        lock.release();
        assertThatThrownBy(lock::release).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("released too many times");
        try (var held = lock.hold()) {
            assertThat(lock.isLocked()).isTrue();
        }
        assertThat(lock.isLocked()).isFalse();
        assertThatThrownBy(() -> lock.acquire(true, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);

        RLock rlock = new RLock();
        rlock.acquire();
        rlock.acquire();
        assertThat(rlock.count()).isEqualTo(2);
        rlock.release();
        rlock.release();
        assertThatThrownBy(rlock::release).isInstanceOf(IllegalMonitorStateException.class)
                .hasMessageContaining("un-acquired");
    }

    @Test
    void anRLockCannotBeReleasedByAnotherThread() throws Exception {
        RLock rlock = new RLock();
        rlock.acquire();
        AtomicInteger failures = new AtomicInteger();
        Thread other = new Thread(() -> {
            try {
                rlock.release();
            } catch (IllegalMonitorStateException expected) {
                failures.incrementAndGet();
            }
            if (!rlock.acquire(false, null)) {
                failures.incrementAndGet();
            }
        });
        other.start();
        other.join();
        assertThat(failures.get()).isEqualTo(2);
        rlock.release();
    }

    @Test
    void semaphoresCountAndABoundedOneRefusesToPassItsBound() {
        Semaphore sem = new Semaphore(2);
        sem.acquire();
        assertThat(sem.acquire(false, null)).isTrue();
        assertThat(sem.acquire(true, Duration.ofMillis(20))).isFalse();
        assertThat(sem.getValue()).isZero();
        sem.release();
        sem.release();
        sem.release();
        assertThat(sem.getValue()).isEqualTo(3);
        BoundedSemaphore bounded = new BoundedSemaphore(1);
        assertThatThrownBy(bounded::release).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("released too many times").hasMessageContaining("bound 1");
        assertThat(bounded.getValue()).isEqualTo(1);
        assertThatThrownBy(() -> new Semaphore(-1)).hasMessageContaining("-1");
    }

    @Test
    void conditionEventAndBarrierCoordinateThreads() throws Exception {
        Condition cond = new Condition();
        Value ready = new Value('i', 0, false);
        List<String> log = new CopyOnWriteArrayList<>();
        Thread waiter = new Thread(() -> {
            try (var held = cond.hold()) {
                log.add("waited:" + cond.waitFor(() -> ready.getInt() == 1, Duration.ofSeconds(30)));
            } catch (InterruptedException e) {
                log.add("interrupted");
            }
        });
        waiter.start();
        try (var held = cond.hold()) {
            ready.set(1);
            cond.signalAll();
        }
        waiter.join(30_000);
        assertThat(log).containsExactly("waited:true");
        assertThatThrownBy(cond::signal).isInstanceOf(IllegalMonitorStateException.class);
        try (var held = cond.hold()) {
            assertThat(cond.await(Duration.ofMillis(20))).isFalse();
        }

        Event event = new Event();
        assertThat(event.await(Duration.ofMillis(10))).isFalse();
        Thread setter = new Thread(event::set);
        setter.start();
        assertThat(event.await(Duration.ofSeconds(30))).isTrue();
        assertThat(event.isSet()).isTrue();
        event.clear();
        assertThat(event.isSet()).isFalse();
        setter.join();

        Barrier barrier = new Barrier(3);
        List<Integer> indexes = new CopyOnWriteArrayList<>();
        List<Thread> parties = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            Thread t = new Thread(() -> {
                try {
                    indexes.add(barrier.await(Duration.ofSeconds(30)));
                } catch (Exception e) {
                    indexes.add(-1);
                }
            });
            t.start();
            parties.add(t);
        }
        for (Thread t : parties) {
            t.join(30_000);
        }
        assertThat(indexes).containsExactlyInAnyOrder(0, 1, 2);
        assertThatThrownBy(() -> barrier.await(Duration.ofMillis(20))).isInstanceOf(BrokenBarrierException.class);
        assertThat(barrier.isBroken()).isTrue();
        barrier.reset();
        assertThat(barrier.isBroken()).isFalse();
    }

    @Test
    void sharedMemoryAttachesByNameUntilItsCreatorUnlinksIt() throws java.io.IOException {
        SharedMemory created = SharedMemory.create(16);
        created.buf().put(0, (byte) 42);
        SharedMemory attached = SharedMemory.attach(created.name());
        assertThat(attached.size()).isEqualTo(16);
        assertThat(attached.buf().get(0)).isEqualTo((byte) 42);
        attached.buf().put(1, (byte) 7);
        assertThat(created.buf().get(1)).isEqualTo((byte) 7);
        created.unlink();
        assertThatThrownBy(() -> SharedMemory.attach(created.name())).isInstanceOf(NoSuchElementException.class)
                .hasMessageContaining(created.name());
        assertThat(created.buf().get(1)).isEqualTo((byte) 7);
        attached.close();
        created.close();
        String absent = "psm_forkj_test_" + Long.toHexString(System.nanoTime());
        assertThatThrownBy(() -> SharedMemory.attach(absent)).as("a POSIX name with no file")
                .isInstanceOf(NoSuchElementException.class).hasMessageContaining(absent);
        java.nio.file.Path directory = java.nio.file.Path.of("/dev/shm", "shm_test_dir_" + Long.toHexString(System.nanoTime()));
        java.nio.file.Files.createDirectory(directory);
        try {
            assertThatThrownBy(() -> SharedMemory.attach(directory.getFileName().toString()))
                    .as("an open refused otherwise than ENOENT is the kernel's error, not 'no such memory'")
                    .isInstanceOfSatisfying(io.forkj.PosixException.class,
                            e -> assertThat(e.errnoName()).isEqualTo("EISDIR"))
                    .hasMessageContaining("open(" + directory);
        } finally {
            java.nio.file.Files.delete(directory);
        }
        for (String bad : new String[] {"", "/", "a/b", "..", "x".repeat(256)}) {
            assertThatThrownBy(() -> SharedMemory.attach(bad)).as("\"%s\"", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("POSIX shared memory name");
        }
        assertThatThrownBy(() -> SharedMemory.create(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sharedObjectsSerializeOnlyInsideAnExportScopeAndComeBackOnTheSameMemory() throws Exception {
        Value value = new Value('i', 7);
        assertThatThrownBy(() -> serialize(value)).isInstanceOf(NotSerializableException.class)
                .hasMessageContaining("Value");
        byte[] bytes;
        int[] fds;
        try (FdExport scope = FdExport.open()) {
            bytes = serialize(value);
            fds = scope.fds();
        }
        assertThat(fds).hasSize(2);
        Value back = (Value) new ObjectInputStream(new ByteArrayInputStream(bytes)).readObject();
        back.set(99);
        assertThat(value.getInt()).isEqualTo(99);
        AtomicInteger tookIt = new AtomicInteger();
        try (var held = back.getLock().hold()) {
            Thread other = new Thread(() -> tookIt.set(value.getLock().acquire(false, null) ? 1 : 2));
            other.start();
            other.join();
        }
        assertThat(tookIt.get()).isEqualTo(2);
    }

    private static byte[] serialize(Object o) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream stream = new ObjectOutputStream(out)) {
            stream.writeObject(o);
        }
        return out.toByteArray();
    }
}
