package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.multiprocessing.Barrier;
import io.forkj.multiprocessing.Condition;
import io.forkj.multiprocessing.Event;
import io.forkj.multiprocessing.JoinableQueue;
import io.forkj.multiprocessing.Lock;
import io.forkj.multiprocessing.Queue;
import io.forkj.multiprocessing.RLock;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Semaphore;
import io.forkj.multiprocessing.SharedMemory;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An object closed by one thread while another thread of the same process waits on it. The waiter used to wake
 * (at the end of its sleep slice) into the unmapped memory and the JVM died of SIGSEGV (Queue, Lock and Event
 * alike); now the close wakes it, it throws {@link IllegalStateException}, and the memory and the fd go when it
 * has left.
 */
@Timeout(120)
class MpCloseWhileInUseIT {
    private interface Wait {
        void run() throws Exception;
    }

    /**
     * Starts a thread running {@code waiter}, waits until it sleeps in futex(2), runs {@code close}, and checks that
     * the waiter ended with an IllegalStateException naming {@code what} and that the object's fd is gone.
     */
    private static void closeUnder(String what, Wait waiter, Runnable close) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                waiter.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "close-waiter");
        t.start();
        try {
            assertThat(Kernel.await(Duration.ofSeconds(10),
                    () -> Kernel.threadsNamed("close-waiter").stream().anyMatch(Kernel::inFutex)))
                    .as("the waiter on a %s asleep in futex(2)", what).isTrue();
        } finally {
            close.run();
        }
        t.join(10_000);
        assertThat(t.isAlive()).as("the waiter on a %s woke from its close", what).isFalse();
        assertThat(thrown.get()).as("what the waiter on a %s got", what)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("this " + what + " is closed");
    }

    @Test
    void aWaiterOnEachKindWakesWithAnExceptionAndTheMemoryGoes() throws Exception {
        List<String> fds = Kernel.ownFds();

        Queue<Integer> queue = new Queue<>();
        closeUnder("Queue", queue::get, queue::close);
        Queue<Integer> full = new Queue<>(1);
        full.put(1);
        closeUnder("Queue", () -> full.put(2), full::close);
        JoinableQueue<Integer> joinable = new JoinableQueue<>();
        joinable.put(1);
        closeUnder("Queue", joinable::join, joinable::close);

        Lock lock = new Lock();
        lock.acquire();
        closeUnder("Lock", lock::acquire, lock::close);
        RLock rlock = new RLock();
        rlock.acquire();
        closeUnder("RLock", rlock::acquire, rlock::close);
        Semaphore semaphore = new Semaphore(0);
        closeUnder("Semaphore", semaphore::acquire, semaphore::close);
        Event event = new Event();
        closeUnder("Event", event::await, event::close);
        Lock conditionLock = new Lock();
        Condition condition = new Condition(conditionLock);
        closeUnder("Condition", () -> {
            conditionLock.acquire();
            condition.await();
        }, condition::close);
        conditionLock.close();
        Barrier barrier = new Barrier(2);
        closeUnder("Barrier", barrier::await, barrier::close);

        assertThat(Kernel.ownFds()).as("fds after every object was closed under its waiter").isEqualTo(fds);
    }

    @Test
    void everyUseAfterCloseThrowsInsteadOfTouchingUnmappedMemory() {
        Lock lock = new Lock();
        lock.close();
        assertThatThrownBy(lock::isLocked).isInstanceOf(IllegalStateException.class).hasMessageContaining("Lock is closed");
        Value value = new Value('i', 5);
        value.close();
        assertThatThrownBy(value::getInt).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        Queue<Integer> queue = new Queue<>();
        queue.close();
        assertThatThrownBy(queue::qsize).isInstanceOf(IllegalStateException.class).hasMessageContaining("Queue is closed");
        Event event = new Event();
        event.close();
        assertThatThrownBy(event::isSet).isInstanceOf(IllegalStateException.class).hasMessageContaining("Event is closed");
        Barrier barrier = new Barrier(3);
        barrier.close();
        assertThatThrownBy(barrier::nWaiting).isInstanceOf(IllegalStateException.class).hasMessageContaining("Barrier is closed");
    }

    /**
     * A buffer from {@code SharedMemory.buf()} kept past the close: touching it used to touch unmapped memory (the JVM
     * died of SIGSEGV). It now keeps the mapping, reads and writes the shared memory, and the mapping goes once the
     * buffer is garbage; the fd goes at the close.
     */
    @Test
    void aBufferKeptPastCloseStillWorksAndItsMappingGoesWhenItIsGarbage() {
        SharedMemory shm = SharedMemory.create(1 << 20);
        String memfd = memfdOf(shm);
        writeAfterClose(shm, memfd);
        assertThat(Kernel.ownFds()).as("fds after the close").noneMatch(fd -> fd.contains(memfd));
        assertThat(Kernel.await(Duration.ofSeconds(30), () -> {
            System.gc();
            return mappings(memfd) == 0;
        })).as("%s unmapped once its buffers are garbage", memfd).isTrue();
    }

    /** Takes two views, closes, and uses both: a separate method so that nothing here holds them afterwards. */
    private static void writeAfterClose(SharedMemory shm, String memfd) {
        ByteBuffer bytes = shm.buf();
        IntBuffer ints = shm.buf().order(ByteOrder.nativeOrder()).asIntBuffer();
        bytes.put(0, (byte) 5);
        shm.close();
        assertThat(mappings(memfd)).as("mappings of %s after the close, its buffers still held", memfd).isEqualTo(1);
        assertThatThrownBy(shm::buf).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SharedMemory is closed");
        ints.put(1, 77);
        bytes.put(1, (byte) 6);
        assertThat(bytes.get(0)).isEqualTo((byte) 5);
        assertThat(bytes.get(1)).isEqualTo((byte) 6);
        assertThat(bytes.order(ByteOrder.nativeOrder()).getInt(4)).isEqualTo(77);
    }

    @Test
    void sharedMemoryWithoutABufferIsUnmappedAtItsClose() {
        SharedMemory shm = SharedMemory.create(1 << 20);
        String memfd = memfdOf(shm);
        assertThat(mappings(memfd)).isEqualTo(1);
        shm.close();
        assertThat(mappings(memfd)).as("mappings of %s right after the close", memfd).isZero();
    }

    /** In a FORK child no collector runs: a buffer kept past the close keeps working there until the child exits. */
    @Test
    void aForkChildWritesThroughABufferKeptPastItsClose() throws Exception {
        SharedMemory shm = SharedMemory.create(64);
        MpProcess child = new MpProcess(() -> {
            ByteBuffer mine = shm.buf();
            shm.close();
            mine.put(3, (byte) 33);
        }).startMethod(StartMethod.FORK);
        child.start();
        assertThat(child.join(Duration.ofSeconds(60))).isTrue();
        assertThat(child.exitCode().orElseThrow()).isZero();
        assertThat(shm.buf().get(3)).isEqualTo((byte) 33);
        shm.close();
    }

    /**
     * The unmap left to the collector must not pile up: a loop of create, {@code buf()}, close makes little heap
     * garbage, and without a bound every closed segment stayed mapped until a collection came (3,749 at once in 5,000
     * here). The bound is 1,024 closed segments; a collection that leaves more than half of them mapped (a slow
     * unmapper) doubles it once, so the test allows twice the bound.
     */
    @Test
    void aLoopOfCreateUseCloseKeepsFewClosedSegmentsMapped() {
        long most = 0;
        for (int i = 0; i < 10_000; i++) {
            SharedMemory shm = SharedMemory.create(64 << 10);
            shm.buf().put(0, (byte) i);
            shm.close();
            if (i % 250 == 0) {
                most = Math.max(most, mappings("/memfd:forkj-shm-"));
            }
        }
        most = Math.max(most, mappings("/memfd:forkj-shm-"));
        assertThat(most).as("closed SharedMemory segments still mapped, at most, over 10,000 create/buf/close")
                .isLessThanOrEqualTo(2 * 1_024 + 50);
    }

    /** The memfd's name as /proc/PID/maps shows it: the name's token after "forkj-shm-". */
    private static String memfdOf(SharedMemory shm) {
        String name = shm.name();
        return "/memfd:forkj-shm-" + name.substring(name.lastIndexOf('_') + 1) + " (deleted)";
    }

    private static long mappings(String memfd) {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(memfd)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
