package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.multiprocessing.Barrier;
import io.forkj.multiprocessing.Condition;
import io.forkj.multiprocessing.Event;
import io.forkj.multiprocessing.JoinableQueue;
import io.forkj.multiprocessing.Lock;
import io.forkj.multiprocessing.Queue;
import io.forkj.multiprocessing.RLock;
import io.forkj.multiprocessing.Semaphore;
import io.forkj.multiprocessing.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
}
