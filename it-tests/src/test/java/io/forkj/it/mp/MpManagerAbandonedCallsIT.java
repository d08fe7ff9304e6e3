package io.forkj.it.mp;

import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.it.Kernel;
import io.forkj.it.RawChild;
import io.forkj.it.Subreaper;
import io.forkj.multiprocessing.AcquirerProxy;
import io.forkj.multiprocessing.BarrierProxy;
import io.forkj.multiprocessing.ConditionProxy;
import io.forkj.multiprocessing.EventProxy;
import io.forkj.multiprocessing.JoinableQueueProxy;
import io.forkj.multiprocessing.Manager;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.StartMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Manager calls whose caller goes away while the server waits for them (its thread interrupted, its process
 * killed): the server gives up the wait, takes nothing for nobody and keeps no thread for it. CPython's server
 * thread stays in the wait and, for a queue's {@code get}, takes the next item and loses it.
 */
@Timeout(300)
@ExtendWith(Subreaper.class)
class MpManagerAbandonedCallsIT {
    private static final Posix POSIX = Posix.get();
    private static final Duration LONG = Duration.ofSeconds(120);
    /** Long enough for any hand-over here (they take milliseconds), short enough that a lost item fails fast. */
    private static final long SHORT_SECONDS = 30;

    @AfterAll
    static void stopStandby() {
        Multiprocessing.shutdownStandby();
    }

    @Test
    void anItemPutAfterItsWaitingConsumerWasKilledGoesToTheNextConsumer() throws Exception {
        try (Manager manager = new Manager()) {
            BlockingQueue<String> queue = manager.queue();
            EventProxy waiting = manager.event();
            MpProcess consumer = waitingConsumer(queue, waiting);
            consumer.start();
            try {
                assertThat(waiting.await(LONG)).as("the consumer waits in take").isTrue();
                killThenAnItemReachesALiveConsumer(consumer, queue);
            } finally {
                consumer.kill();
                consumer.join(LONG);
            }
        }
    }

    /**
     * The same, when the killed consumer's FORK child (alive, not a daemon) inherited the connection the take waits
     * on: the connection never reads as closed while the child keeps it open, so the server learns of the death
     * from {@code /proc} and ends the connection itself. The child, adopted by this JVM (a subreaper), is killed
     * and reaped at the end.
     */
    @Test
    void anItemPutAfterItsWaitingConsumerWasKilledGoesOnWhenAForkChildHoldsTheConsumersConnection() throws Exception {
        try (Manager manager = new Manager()) {
            BlockingQueue<String> queue = manager.queue();
            BlockingQueue<Integer> forkChild = manager.queue();
            EventProxy waiting = manager.event();
            MpProcess consumer = new MpProcess(() -> {
                // one connection, idle in the pool when the child is forked; the put and the take borrow it again
                queue.size();
                MpProcess child = new MpProcess(() -> Thread.sleep(600_000)).startMethod(StartMethod.FORK);
                child.start();
                forkChild.put(child.pid());
                ManagerCalls.setWhenWaiting(waiting, "take");
                queue.take();
                throw new IllegalStateException("took an item before any was put");
            });
            consumer.start();
            int child = 0;
            try {
                Integer forked = forkChild.poll(LONG.toSeconds(), TimeUnit.SECONDS);
                assertThat(forked).as("the consumer's FORK child").isNotNull();
                child = forked;
                assertThat(waiting.await(LONG)).as("the consumer waits in take").isTrue();
                assertThat(Kernel.openFds(child).stream().filter(fd -> fd.contains("-> socket:")).count())
                        .as("sockets the FORK child inherited").isPositive();
                killThenAnItemReachesALiveConsumer(consumer, queue);
            } finally {
                consumer.kill();
                consumer.join(LONG);
                if (child != 0) {
                    POSIX.kill(child, Signal.SIGKILL);
                    assertThat(RawChild.reap(child, LONG)).isEqualTo(new WaitStatus.Signaled(child, Signal.SIGKILL, false));
                }
            }
        }
    }

    /**
     * The server has taken the item for a consumer and written it to the consumer's connection, but the consumer
     * never read it (stopped, then killed): the item goes back to the head of the queue when the connection ends.
     */
    @Test
    void anItemTakenForAConsumerThatNeverReadItGoesBack() throws Exception {
        try (Manager manager = new Manager()) {
            BlockingQueue<String> queue = manager.queue();
            EventProxy waiting = manager.event();
            MpProcess consumer = waitingConsumer(queue, waiting);
            consumer.start();
            try {
                assertThat(waiting.await(LONG)).as("the consumer waits in take").isTrue();
                POSIX.kill(consumer.pid(), Signal.SIGSTOP);
                Kernel.awaitState(consumer.pid(), 'T');
                queue.put("precious");
                assertThat(Kernel.await(LONG, queue::isEmpty)).as("the server took it for the stopped consumer")
                        .isTrue();
            } finally {
                consumer.kill();
                consumer.join(LONG);
            }
            assertThat(queue.poll(SHORT_SECONDS, TimeUnit.SECONDS)).as("the unread item came back")
                    .isEqualTo("precious");
        }
    }

    /** A consumer that read its item and then exits: the item is its own, and is not given back. */
    @Test
    void anItemAConsumerReadStaysTakenWhenItExits() throws Exception {
        try (Manager manager = new Manager()) {
            BlockingQueue<String> queue = manager.queue();
            queue.put("once");
            MpProcess consumer = new MpProcess(() -> {
                if (!"once".equals(queue.take())) {
                    throw new IllegalStateException("not the item put");
                }
            });
            consumer.start();
            assertThat(consumer.join(LONG)).isTrue();
            assertThat(consumer.exitCode().orElseThrow()).isZero();
            assertThat(queue.poll(2, TimeUnit.SECONDS)).as("the item read came back: delivered twice").isNull();
        }
    }

    /**
     * A consumer killed between {@code take} and {@code taskDone}: its item goes back to the queue, another consumer
     * does the task, and {@code join} returns (CPython's waits for ever). A consumer that marked its task done and
     * exited leaves nothing behind.
     */
    @Test
    void aTaskWhoseConsumerDiedBeforeMarkingItDoneIsDoneByAnother() throws Exception {
        try (Manager manager = new Manager()) {
            JoinableQueueProxy<String> tasks = manager.joinableQueue();
            tasks.put("done once");
            MpProcess finisher = new MpProcess(() -> {
                tasks.take();
                tasks.taskDone();
            });
            finisher.start();
            assertThat(finisher.join(LONG)).isTrue();
            assertThat(finisher.exitCode().orElseThrow()).isZero();
            assertThat(tasks.join(SHORT_SECONDS, TimeUnit.SECONDS)).isTrue();

            tasks.put("unfinished");
            EventProxy took = manager.event();
            MpProcess dies = new MpProcess(() -> {
                tasks.take();
                took.set();
                Thread.sleep(Long.MAX_VALUE);
            });
            dies.start();
            try {
                assertThat(took.await(LONG)).isTrue();
                assertThat(tasks.isEmpty()).isTrue();
            } finally {
                dies.kill();
                dies.join(LONG);
            }
            assertThat(tasks.poll(SHORT_SECONDS, TimeUnit.SECONDS)).as("the dead consumer's task came back")
                    .isEqualTo("unfinished");
            tasks.taskDone();
            assertThat(tasks.join(SHORT_SECONDS, TimeUnit.SECONDS)).isTrue();
            assertThat(tasks.poll(1, TimeUnit.SECONDS)).as("the finished task did not come back").isNull();
        }
    }

    @Test
    void anInterruptedTakeTakesNothingAndAnInterruptedPutPutsNothing() throws Exception {
        try (Manager manager = new Manager()) {
            BlockingQueue<String> queue = manager.queue(1);
            Thread taker = interruptedIn("take", () -> queue.take());
            assertThat(outcomeOf(taker)).isInstanceOf(InterruptedException.class);
            queue.put("first");
            assertThat(queue.poll(SHORT_SECONDS, TimeUnit.SECONDS)).as("the item the interrupted take did not get")
                    .isEqualTo("first");

            queue.put("fills");
            Thread putter = interruptedIn("put", () -> {
                queue.put("late");
                return null;
            });
            assertThat(outcomeOf(putter)).isInstanceOf(InterruptedException.class);
            assertThat(queue.poll(SHORT_SECONDS, TimeUnit.SECONDS)).isEqualTo("fills");
            assertThat(queue.poll(1, TimeUnit.SECONDS)).as("the interrupted put put nothing").isNull();
        }
    }

    @Test
    void abandonedWaitsKeepNoServerThreadAndTakeNothing() throws Exception {
        try (Manager manager = new Manager()) {
            AcquirerProxy lock = manager.lock();
            ConditionProxy condition = manager.condition();
            EventProxy event = manager.event();
            BlockingQueue<String> queue = manager.queue();
            JoinableQueueProxy<String> tasks = manager.joinableQueue();
            AcquirerProxy semaphore = manager.semaphore(0);
            tasks.put("unfinished");
            lock.acquire();
            List<Thread> waiters = new ArrayList<>();
            waiters.add(waiter("acquire", () -> lock.acquire()));
            waiters.add(waiter("acquire", () -> semaphore.acquire()));
            waiters.add(waiter("await", () -> {
                condition.acquire();
                try {
                    condition.await();
                } finally {
                    // held again after the interrupt, as java.util.concurrent's await
                    condition.release();
                }
                return null;
            }));
            waiters.add(waiter("await", () -> {
                event.await();
                return null;
            }));
            waiters.add(waiter("take", () -> queue.take()));
            waiters.add(waiter("join", () -> {
                tasks.join();
                return null;
            }));
            String[] methods = {"acquire", "acquire", "await", "await", "take", "join"};
            for (int i = 0; i < waiters.size(); i++) {
                Thread t = waiters.get(i);
                String m = methods[i];
                assertThat(Kernel.await(LONG, () -> ManagerCalls.readsAnAnswer(t, m))).as(m + " sent").isTrue();
            }
            // one idle connection, for the interrupted await's taking its lock back and letting it go
            event.isSet();
            int serverThreads = connectionThreads(manager);
            for (Thread t : waiters) {
                t.interrupt();
                t.join(LONG.toMillis());
                assertThat(t.isAlive()).isFalse();
            }
            assertThat(Kernel.await(LONG, () -> connectionThreads(manager) <= serverThreads - waiters.size()))
                    .as("the server threads of the %d abandoned calls ended (%d before)", waiters.size(), serverThreads)
                    .isTrue();

            lock.release();
            assertThat(lock.acquire(false)).as("the abandoned acquire took nothing").isTrue();
            lock.release();
            semaphore.release();
            assertThat(semaphore.acquire(false)).as("nor did the semaphore's").isTrue();
            assertThat(condition.acquire(false)).as("the abandoned await left the condition's lock free").isTrue();
            condition.release();
            queue.put("kept");
            assertThat(queue.poll(SHORT_SECONDS, TimeUnit.SECONDS)).isEqualTo("kept");
        }
    }

    @Test
    void aPartyInterruptedAtABarrierBreaksItForTheOthers() throws Exception {
        try (Manager manager = new Manager()) {
            BarrierProxy barrier = manager.barrier(3);
            Thread stays = waiter("await", () -> barrier.await());
            assertThat(Kernel.await(LONG, () -> barrier.nWaiting() == 1)).isTrue();
            Thread leaves = interruptedIn("await", () -> barrier.await());
            assertThat(outcomeOf(leaves)).isInstanceOf(InterruptedException.class);
            stays.join(TimeUnit.SECONDS.toMillis(SHORT_SECONDS));
            assertThat(stays.isAlive()).as("the other party is not left waiting").isFalse();
            assertThat(outcomeOf(stays)).as("not passed with 2 of 3").isInstanceOf(BrokenBarrierException.class);
            assertThat(barrier.isBroken()).isTrue();
        }
    }

    /** SIGKILLs {@code consumer}, waiting in {@code take}, then puts an item: this thread must get it. */
    private static void killThenAnItemReachesALiveConsumer(MpProcess consumer, BlockingQueue<String> queue)
            throws InterruptedException {
        consumer.kill();
        consumer.join(LONG);
        assertThat(consumer.exitCode().orElseThrow()).as("SIGKILLed").isEqualTo(-9);
        queue.put("precious");
        assertThat(queue.poll(SHORT_SECONDS, TimeUnit.SECONDS)).as("the item reached a live consumer")
                .isEqualTo("precious");
    }

    /** A process that takes from {@code queue} and sets {@code waiting} once its take waits in the server. */
    private static MpProcess waitingConsumer(BlockingQueue<String> queue, EventProxy waiting) {
        return new MpProcess(() -> {
            ManagerCalls.setWhenWaiting(waiting, "take");
            queue.take();
            throw new IllegalStateException("took an item before any was put");
        });
    }

    /** A blocking call whose outcome (a value or what it threw) a thread keeps. */
    private interface Call {
        Object run() throws Exception;
    }

    private final Map<Thread, AtomicReference<Object>> outcomes = new ConcurrentHashMap<>();

    /** Starts a thread making {@code call}, which is expected to block in the server's {@code method}. */
    private Thread waiter(String method, Call call) {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                outcome.set(call.run());
            } catch (Throwable e) {
                outcome.set(e);
            }
        }, "waits-in-" + method);
        outcomes.put(t, outcome);
        t.start();
        return t;
    }

    /** A thread interrupted once its {@code call} waits in the server's {@code method}; joined. */
    private Thread interruptedIn(String method, Call call) throws InterruptedException {
        Thread t = waiter(method, call);
        assertThat(Kernel.await(LONG, () -> ManagerCalls.readsAnAnswer(t, method))).as(method + " sent").isTrue();
        t.interrupt();
        t.join(LONG.toMillis());
        assertThat(t.isAlive()).isFalse();
        return t;
    }

    private Object outcomeOf(Thread t) {
        return outcomes.get(t).get();
    }

    /** The manager server's threads that serve a connection. */
    private static int connectionThreads(Manager manager) {
        return Kernel.threadsNamed(manager.pid(), "forkj-manager-c").size();
    }
}
