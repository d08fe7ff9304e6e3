package io.forkj.it.mp;

import io.forkj.multiprocessing.Client;
import io.forkj.multiprocessing.Connection;
import io.forkj.multiprocessing.Listener;
import io.forkj.multiprocessing.Lock;
import io.forkj.multiprocessing.Pipe;
import io.forkj.multiprocessing.Queue;
import io.forkj.multiprocessing.Semaphore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * multiprocessing's waits on virtual threads (JDK 21+), in futex(2), in a pipe's read(2), write(2) and poll(2), and in
 * a listener's accept(2):
 * a virtual thread asleep in the kernel keeps its carrier, so as many waiters as carriers used to leave none for the virtual thread that would wake them (two
 * waiters in {@code Queue.get()} on 2 cores: no progress in 10 s). The waiters here outnumber the carriers
 * twice over, and the thread that releases them is virtual too.
 */
class MpVirtualThreadsIT {
    private static final int WAITERS = 2 * Runtime.getRuntime().availableProcessors() + 2;

    @Test
    void moreQueueWaitersThanCarriersLeaveRoomForTheProducer() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads are JDK 21+");
        Queue<Integer> queue = new Queue<>();
        CountDownLatch got = new CountDownLatch(WAITERS);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            threads.add(virtual(() -> {
                queue.get();
                got.countDown();
            }));
        }
        threads.add(virtual(() -> {
            for (int i = 0; i < WAITERS; i++) {
                queue.put(i);
            }
        }));
        assertThat(got.await(30, TimeUnit.SECONDS)).as("every waiter got an item").isTrue();
        joinAll(threads);
        queue.close();
    }

    @Test
    void moreLockAndSemaphoreWaitersThanCarriersLeaveRoomForTheReleaser() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads are JDK 21+");
        Lock lock = new Lock();
        Semaphore semaphore = new Semaphore(0);
        lock.acquire();
        CountDownLatch through = new CountDownLatch(2 * WAITERS);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            threads.add(virtual(() -> {
                lock.acquire();
                lock.release();
                through.countDown();
            }));
            threads.add(virtual(() -> {
                semaphore.acquire();
                through.countDown();
            }));
        }
        // Parked (WAITING) is where a fixed waiter sleeps; pinned in the kernel it stayed RUNNABLE. Not asserted: the
        // releaser below is the test.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (threads.stream().filter(t -> t.getState() == Thread.State.WAITING).count() < WAITERS
                && System.nanoTime() - deadline < 0) {
            Thread.onSpinWait();
        }
        threads.add(virtual(() -> {
            for (int i = 0; i < WAITERS; i++) {
                semaphore.release();
            }
        }));
        lock.release();
        assertThat(through.await(30, TimeUnit.SECONDS)).as("every waiter went through").isTrue();
        joinAll(threads);
    }

    @Test
    void moreReceiversThanCarriersLeaveRoomForTheSenderOfMessagesLargerThanAPipe() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads are JDK 21+");
        byte[] message = new byte[256 * 1024]; // four times a pipe's capacity: the sender waits for each receiver
        java.util.Arrays.fill(message, (byte) 7);
        List<Pipe> pipes = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch received = new CountDownLatch(WAITERS);
        for (int i = 0; i < WAITERS; i++) {
            Pipe pipe = Pipe.pipe(false);
            pipes.add(pipe);
            threads.add(virtual(() -> {
                if (java.util.Arrays.equals(pipe.conn1().recvBytes(), message)) {
                    received.countDown();
                }
            }));
        }
        threads.add(virtual(() -> {
            for (Pipe pipe : pipes) {
                pipe.conn2().sendBytes(message);
            }
        }));
        assertThat(received.await(30, TimeUnit.SECONDS)).as("every receiver got the whole message").isTrue();
        joinAll(threads);
        for (Pipe pipe : pipes) {
            pipe.conn1().close();
            pipe.conn2().close();
        }
    }

    /** {@code Connection.waitAny} polls many fds at once: on a virtual thread that sleep too is made elsewhere. */
    @Test
    void moreWaitAnyCallersThanCarriersLeaveRoomForTheSender() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads are JDK 21+");
        List<Pipe> pipes = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(WAITERS);
        for (int i = 0; i < WAITERS; i++) {
            Pipe pipe = Pipe.pipe(false);
            Pipe unused = Pipe.pipe(false);
            pipes.add(pipe);
            pipes.add(unused);
            threads.add(virtual(() -> {
                List<Connection> got = Connection.waitAny(List.of(unused.conn1(), pipe.conn1()));
                if (got.equals(List.of(pipe.conn1())) && "go".equals(pipe.conn1().recv())) {
                    ready.countDown();
                }
            }));
        }
        threads.add(virtual(() -> {
            for (int i = 0; i < pipes.size(); i += 2) {
                pipes.get(i).conn2().send("go");
            }
        }));
        assertThat(ready.await(30, TimeUnit.SECONDS)).as("every waiter saw its own pipe ready").isTrue();
        joinAll(threads);
        for (Pipe pipe : pipes) {
            pipe.conn1().close();
            pipe.conn2().close();
        }
    }

    @Test
    void aThousandIdleWaitersDoNotDelayOthersWakeUps() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads are JDK 21+");
        int idle = 1000;
        int roundTrips = 100;
        Queue<Integer> never = new Queue<>();
        Queue<Integer> ping = new Queue<>();
        Queue<Integer> pong = new Queue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < idle; i++) {
            threads.add(virtual(never::get));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (threads.stream().filter(t -> t.getState() == Thread.State.WAITING).count() < idle
                && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
        }
        CountDownLatch done = new CountDownLatch(1);
        threads.add(virtual(() -> {
            for (int i = 0; i < roundTrips; i++) {
                pong.put(ping.get());
            }
        }));
        threads.add(virtual(() -> {
            for (int i = 0; i < roundTrips; i++) {
                ping.put(i);
                pong.get();
            }
            done.countDown();
        }));
        // With a sleep made only by one of 256 platform threads, the idle waiters' queued sleeps held each wake-up
        // back for the 100 ms slices ahead of it: 305 ms a round trip here, 30 s for these; 0.1 ms each now.
        try {
            assertThat(done.await(10, TimeUnit.SECONDS)).as("%d round trips beside %d idle waiters", roundTrips, idle)
                    .isTrue();
        } finally {
            for (int i = 0; i < idle; i++) {
                never.put(i);
            }
        }
        joinAll(threads);
        never.close();
        ping.close();
        pong.close();
    }

    @Test
    void moreAcceptersThanCarriersLeaveRoomForTheClients() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads are JDK 21+");
        byte[] key = "virtual".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (Listener listener = Listener.listen(key)) {
            List<Thread> threads = new ArrayList<>();
            CountDownLatch served = new CountDownLatch(WAITERS);
            for (int i = 0; i < WAITERS; i++) {
                threads.add(virtual(() -> {
                    try (Connection c = listener.accept()) {
                        c.send("served");
                        served.countDown();
                    }
                }));
            }
            threads.add(virtual(() -> {
                for (int i = 0; i < WAITERS; i++) {
                    try (Connection c = Client.connect(listener.address(), key)) {
                        if (!"served".equals(c.recv())) {
                            throw new IllegalStateException("not served");
                        }
                    }
                }
            }));
            assertThat(served.await(30, TimeUnit.SECONDS)).as("every accepter served a client").isTrue();
            joinAll(threads);
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Thread virtual(Body body) throws ReflectiveOperationException {
        Runnable task = () -> {
            try {
                body.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null); // JDK 21 API; this code compiles for 17
        return (Thread) Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(builder, task);
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(t.isAlive()).as(t + " ended").isFalse();
        }
    }
}
