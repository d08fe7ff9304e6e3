package io.forkj.it.mp;

import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.it.Kernel;
import io.forkj.multiprocessing.AcquirerProxy;
import io.forkj.multiprocessing.BarrierProxy;
import io.forkj.multiprocessing.ConditionProxy;
import io.forkj.multiprocessing.EventProxy;
import io.forkj.multiprocessing.JoinableQueueProxy;
import io.forkj.multiprocessing.Manager;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.ValueProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A manager's locks, semaphores, conditions, events, barriers and joinable queues (CPython's {@code SyncManager}
 * types) used by real child processes, and what a process holds when it is SIGKILLed.
 */
@Timeout(300)
class MpManagerSyncIT {
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final Posix POSIX = Posix.get();

    @AfterAll
    static void stopStandby() {
        Multiprocessing.shutdownStandby();
    }

    @Test
    void anRLockBelongsToOneThreadOfOneProcessAndALockToNobody() throws Exception {
        try (Manager manager = new Manager()) {
            AcquirerProxy rlock = manager.rlock();
            BlockingQueue<String> seen = manager.queue();
            assertThat(rlock.acquire()).isTrue();
            assertThat(rlock.acquire(false)).as("reentrant").isTrue();
            AtomicReference<Object> other = new AtomicReference<>();
            Thread t = new Thread(() -> {
                boolean got = rlock.acquire(false);
                try {
                    rlock.release();
                    other.set(got);
                } catch (IllegalStateException e) {
                    other.set(got + " " + e.getMessage());
                }
            });
            t.start();
            t.join(LONG.toMillis());
            assertThat(other.get()).asString().startsWith("false cannot release un-acquired lock");
            MpProcess child = new MpProcess(() -> seen.put("child took it: " + rlock.acquire(false)));
            child.start();
            assertThat(seen.poll(LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo("child took it: false");
            assertThat(child.join(LONG)).isTrue();
            rlock.release();
            assertThat(rlock.acquire(false)).as("still held once by this thread, and reentrant").isTrue();
            rlock.release();
            rlock.release();
            assertThatThrownBy(rlock::release).isInstanceOf(IllegalStateException.class);
            MpProcess taker = new MpProcess(() -> seen.put("now: " + rlock.acquire(false)));
            taker.start();
            assertThat(seen.poll(LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo("now: true");
            assertThat(taker.join(LONG)).isTrue();

            AcquirerProxy lock = manager.lock();
            try (var held = lock.hold()) {
                assertThat(lock.acquire(false)).as("held inside with-lock").isFalse();
            }
            assertThat(lock.acquire()).as("released by the with-lock's end").isTrue();
            assertThat(lock.acquire(false)).as("not reentrant").isFalse();
            Thread releaser = new Thread(lock::release);
            releaser.start();
            releaser.join(LONG.toMillis());
            assertThat(lock.acquire(false)).as("released by another thread, as Python's Lock may be").isTrue();
            lock.release();
            assertThatThrownBy(lock::release).isInstanceOf(IllegalStateException.class).hasMessageContaining("unlocked");
            assertThat(manager.referenceCount(lock)).hasValue(1);
        }
    }

    /** A FORK child whose parent never took the lock: its first lock calls run on what the start warmed up. */
    @Test
    void aForkChildTakesAnRLockTwiceAndReleasesIt() throws Exception {
        try (Manager manager = new Manager()) {
            AcquirerProxy rlock = manager.rlock();
            MpProcess child = new MpProcess(() -> {
                if (!rlock.acquire() || !rlock.acquire(false)) {
                    throw new IllegalStateException("not taken");
                }
                rlock.release();
                rlock.release();
            }).startMethod(StartMethod.FORK).forkDeadline(Duration.ofSeconds(20));
            child.start();
            assertThat(child.join(LONG)).isTrue();
            assertThat(child.exitCode().orElseThrow()).isZero();
            assertThat(rlock.acquire(false)).as("released twice by the child").isTrue();
            rlock.release();
        }
    }

    @Test
    void whatASigkilledProcessHoldsGoesBackButASignalledSemaphoreDoesNotGrow() throws Exception {
        try (Manager manager = new Manager()) {
            AcquirerProxy rlock = manager.rlock();
            AcquirerProxy permits = manager.boundedSemaphore(3);
            AcquirerProxy signal = manager.semaphore(0);
            EventProxy holding = manager.event();
            for (int i = 0; i < 2; i++) {
                signal.release();
            }
            MpProcess holder = new MpProcess(() -> {
                rlock.acquire();
                rlock.acquire();
                permits.acquire();
                permits.acquire();
                signal.acquire();
                signal.acquire();
                holding.set();
                Thread.sleep(600_000);
            });
            holder.start();
            try {
                assertThat(holding.await(LONG)).isTrue();
                assertThat(rlock.acquire(false)).isFalse();
                assertThat(permits.acquire(false)).isTrue();
                assertThat(permits.acquire(false)).as("the holder has 2 of 3").isFalse();
                holder.kill();
                assertThat(holder.join(LONG)).isTrue();
                assertThat(rlock.acquire(60, TimeUnit.SECONDS)).as("the dead holder's RLock, held twice").isTrue();
                assertThat(permits.acquire(60, TimeUnit.SECONDS)).isTrue();
                assertThat(permits.acquire(60, TimeUnit.SECONDS)).isTrue();
                assertThat(permits.acquire(false)).as("3 of 3 held here").isFalse();
                assertThat(signal.acquire(false)).as("the 2 signals it consumed stay consumed").isFalse();
                rlock.release();
                for (int i = 0; i < 3; i++) {
                    permits.release();
                }
                assertThatThrownBy(permits::release).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("released too many times");
            } finally {
                holder.kill();
                holder.join(LONG);
            }
        }
    }

    /**
     * Six processes count to 1,200 through a non-atomic get-then-set under one manager lock, half of them taking it
     * twice through an RLock-style nesting on a second lock, while the first holder is SIGKILLed with everyone
     * queued behind it: no lost update (mutual exclusion held throughout) and nobody stuck.
     */
    @Test
    void contendedLocksKeepMutualExclusionThroughAHoldersDeath() throws Exception {
        try (Manager manager = new Manager()) {
            AcquirerProxy lock = manager.lock();
            AcquirerProxy nested = manager.rlock();
            ValueProxy<Integer> count = manager.value(0);
            EventProxy holding = manager.event();
            BlockingQueue<Integer> started = manager.queue();
            MpProcess victim = new MpProcess(() -> {
                lock.acquire();
                holding.set();
                Thread.sleep(600_000);
            });
            List<MpProcess> workers = new ArrayList<>();
            victim.start();
            try {
                assertThat(holding.await(LONG)).isTrue();
                for (int i = 0; i < 6; i++) {
                    boolean twice = i % 2 == 0;
                    MpProcess w = new MpProcess(() -> {
                        started.put(1);
                        for (int k = 0; k < 200; k++) {
                            lock.acquire();
                            try {
                                if (twice) {
                                    nested.acquire();
                                    nested.acquire();
                                }
                                int seen = count.get();
                                count.set(seen + 1);
                                if (twice) {
                                    nested.release();
                                    nested.release();
                                }
                            } finally {
                                lock.release();
                            }
                        }
                    });
                    w.start();
                    workers.add(w);
                }
                for (int i = 0; i < 6; i++) {
                    assertThat(started.poll(LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
                }
                assertThat(count.get()).as("nobody passed the dead-to-be holder").isZero();
                victim.kill();
                assertThat(victim.join(LONG)).isTrue();
                for (MpProcess w : workers) {
                    assertThat(w.join(LONG)).as("%s ends", w).isTrue();
                    assertThat(w.exitCode().orElseThrow()).as("exit code of %s", w).isZero();
                }
                assertThat(count.get()).isEqualTo(1_200);
                assertThat(lock.acquire(false)).isTrue();
                assertThat(nested.acquire(false)).isTrue();
            } finally {
                victim.kill();
                victim.join(LONG);
                for (MpProcess w : workers) {
                    w.kill();
                    w.join(LONG);
                }
            }
        }
    }

    @Test
    void aConditionWakesAWaiterInAnotherProcessAndSkipsADeadOne() throws Exception {
        try (Manager manager = new Manager()) {
            ConditionProxy c = manager.condition(manager.lock());
            EventProxy deadWaits = manager.event();
            EventProxy liveWaits = manager.event();
            BlockingQueue<Object> results = manager.queue();
            assertThatThrownBy(() -> c.await(Duration.ofMillis(1))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("un-acquired");
            assertThatThrownBy(c::signal).isInstanceOf(IllegalStateException.class).hasMessageContaining("un-acquired");
            MpProcess dead = new MpProcess(() -> {
                c.acquire();
                deadWaits.set();
                c.await();
            });
            MpProcess live = new MpProcess(() -> {
                c.acquire();
                liveWaits.set();
                results.put(c.await(LONG));
                c.release();
            });
            dead.start();
            try {
                assertThat(deadWaits.await(LONG)).isTrue();
                // the lock is free again only once the waiter's await let it go
                assertThat(c.acquire(60, TimeUnit.SECONDS)).isTrue();
                c.release();
                live.start();
                assertThat(liveWaits.await(LONG)).isTrue();
                assertThat(c.acquire(60, TimeUnit.SECONDS)).isTrue();
                dead.kill();
                assertThat(dead.join(LONG)).isTrue();
                c.signal(1);
                c.release();
                assertThat(results.poll(LONG.toSeconds(), TimeUnit.SECONDS))
                        .as("the one signal reached the live waiter, registered after the dead one").isEqualTo(true);
                assertThat(live.join(LONG)).isTrue();
                assertThat(live.exitCode().orElseThrow()).isZero();
            } finally {
                dead.kill();
                dead.join(LONG);
                live.kill();
                live.join(LONG);
            }

            ConditionProxy r = manager.condition();
            r.acquire();
            r.acquire();
            assertThat(r.await(Duration.ofMillis(20))).as("nobody signals").isFalse();
            r.release();
            r.release();
            assertThatThrownBy(r::release).as("held twice before the wait, twice after").isInstanceOf(IllegalStateException.class);
            ValueProxy<Integer> v = manager.value(0);
            MpProcess setter = new MpProcess(() -> {
                r.acquire();
                v.set(1);
                r.signalAll();
                r.release();
            });
            r.acquire();
            setter.start();
            assertThat(r.waitFor(() -> v.get() == 1, LONG)).isTrue();
            r.release();
            assertThat(setter.join(LONG)).isTrue();
            assertThat(setter.exitCode().orElseThrow()).isZero();
        }
    }

    @Test
    void aBarrierAndAnEventJoinProcesses() throws Exception {
        try (Manager manager = new Manager()) {
            BarrierProxy barrier = manager.barrier(3);
            EventProxy go = manager.event();
            BlockingQueue<Integer> indexes = manager.queue();
            List<MpProcess> children = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                MpProcess p = new MpProcess(() -> {
                    indexes.put(barrier.await(LONG));
                    if (!go.await(LONG)) {
                        throw new IllegalStateException("the event was not set in time");
                    }
                });
                p.start();
                children.add(p);
            }
            assertThat(Kernel.await(LONG, () -> barrier.nWaiting() == 2)).isTrue();
            assertThat(go.isSet()).isFalse();
            Set<Integer> all = new HashSet<>();
            all.add(barrier.await(LONG));
            all.add(indexes.poll(LONG.toSeconds(), TimeUnit.SECONDS));
            all.add(indexes.poll(LONG.toSeconds(), TimeUnit.SECONDS));
            assertThat(all).containsExactlyInAnyOrder(0, 1, 2);
            go.set();
            for (MpProcess p : children) {
                assertThat(p.join(LONG)).isTrue();
                assertThat(p.exitCode().orElseThrow()).isZero();
            }
            go.clear();
            assertThat(go.await(Duration.ofMillis(10))).isFalse();

            assertThatThrownBy(() -> barrier.await(Duration.ofMillis(50))).isInstanceOf(BrokenBarrierException.class)
                    .hasMessageContaining("timed out");
            assertThat(barrier.isBroken()).isTrue();
            assertThatThrownBy(barrier::await).isInstanceOf(BrokenBarrierException.class);
            barrier.reset();
            assertThat(barrier.isBroken()).isFalse();
            barrier.abort();
            assertThatThrownBy(barrier::await).isInstanceOf(BrokenBarrierException.class);
            assertThatThrownBy(() -> manager.barrier(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0");
        }
    }

    @Test
    void aJoinableQueueJoinsWhenAnotherProcessMarkedEveryTaskDone() throws Exception {
        try (Manager manager = new Manager()) {
            JoinableQueueProxy<Integer> q = manager.joinableQueue();
            BlockingQueue<Integer> sums = manager.queue();
            for (int i = 1; i <= 5; i++) {
                q.put(i);
            }
            assertThat(q.add(6)).isTrue();
            assertThat(q.unfinishedTasks()).isEqualTo(6);
            assertThat(q.join(10, TimeUnit.MILLISECONDS)).isFalse();
            MpProcess worker = new MpProcess(() -> {
                int sum = 0;
                for (int i = 0; i < 6; i++) {
                    sum += q.take();
                    q.taskDone();
                }
                sums.put(sum);
            });
            worker.start();
            q.join();
            assertThat(q.unfinishedTasks()).isZero();
            assertThat(sums.poll(LONG.toSeconds(), TimeUnit.SECONDS)).isEqualTo(21);
            assertThat(worker.join(LONG)).isTrue();
            assertThatThrownBy(q::taskDone).isInstanceOf(IllegalStateException.class).hasMessageContaining("too many");
        }
    }

    /**
     * An acquire whose thread is interrupted while the server waits for the lock: the server takes the lock for it
     * later, when nobody reads the answer, and must give it back; else the lock stays held by a live thread that
     * does not know it.
     */
    @Test
    void anInterruptedAcquireLeavesNothingHeldAndAnInterruptedWaitThrowsInterruptedException() throws Exception {
        try (Manager manager = new Manager()) {
            AcquirerProxy lock = manager.lock();
            lock.acquire();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    lock.acquire();
                    failure.set(new AssertionError("acquired"));
                } catch (RuntimeException e) {
                    failure.set(e);
                }
            });
            waiter.start();
            assertThat(Kernel.await(LONG, () -> ManagerCalls.readsAnAnswer(waiter, "acquire")))
                    .as("the waiter sent its acquire and waits for the answer").isTrue();
            waiter.interrupt();
            waiter.join(LONG.toMillis());
            assertThat(failure.get()).hasMessageContaining("interrupted");
            lock.release();
            MpProcess other = new MpProcess(() -> {
                if (!lock.acquire(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the lock stayed held");
                }
                lock.release();
            });
            other.start();
            assertThat(other.join(LONG)).isTrue();
            assertThat(other.exitCode().orElseThrow()).as("another process took the lock").isZero();

            EventProxy never = manager.event();
            AtomicReference<Throwable> waited = new AtomicReference<>();
            Thread sleeper = new Thread(() -> {
                try {
                    never.await();
                } catch (Throwable t) {
                    waited.set(t);
                }
            });
            sleeper.start();
            sleeper.interrupt();
            sleeper.join(LONG.toMillis());
            assertThat(waited.get()).isInstanceOf(InterruptedException.class);
        }
    }

    /**
     * A thread interrupted in a condition's await, which holds its RLock twice: the server ends the wait, and the
     * thread holds the lock again, twice, when the InterruptedException reaches it (java.util.concurrent's rule;
     * CPython's proxy leaves its connection broken). Nobody else can take the lock meanwhile.
     */
    @Test
    void anInterruptedAwaitHoldsTheLockAgainAtItsDepth() throws Exception {
        try (Manager manager = new Manager()) {
            ConditionProxy c = manager.condition();
            AtomicReference<Throwable> interrupted = new AtomicReference<>();
            AtomicReference<Throwable> thirdRelease = new AtomicReference<>();
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch checked = new CountDownLatch(1);
            Thread waiter = new Thread(() -> {
                c.acquire();
                c.acquire();
                try {
                    c.await();
                    interrupted.set(new AssertionError("signalled"));
                } catch (Throwable t) {
                    interrupted.set(t);
                }
                holding.countDown();
                try {
                    checked.await();
                    c.release();
                    c.release();
                    c.release();
                } catch (Throwable t) {
                    thirdRelease.set(t);
                }
            });
            waiter.start();
            assertThat(Kernel.await(LONG, () -> ManagerCalls.readsAnAnswer(waiter, "await"))).isTrue();
            assertThat(c.acquire(60, TimeUnit.SECONDS)).as("the wait let the lock go").isTrue();
            c.release();
            waiter.interrupt();
            assertThat(holding.await(LONG.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(interrupted.get()).isInstanceOf(InterruptedException.class);
            assertThat(c.acquire(false)).as("the interrupted waiter holds the lock again").isFalse();
            checked.countDown();
            waiter.join(LONG.toMillis());
            assertThat(thirdRelease.get()).as("it held it twice: two releases, the third refused")
                    .isInstanceOf(IllegalStateException.class);
            assertThat(c.acquire(false)).isTrue();
            c.release();
        }
    }

    /**
     * The signal goes to a waiter whose process is stopped: the server takes the lock back for it and writes the
     * answer, which it never reads; it is then killed. What the answer took is undone: the lock is released and the
     * signal passed to the live waiter behind it, which would otherwise wait out its 120 s.
     */
    @Test
    void aSignalDeliveredToAWaiterThatNeverReadsItIsPassedOn() throws Exception {
        try (Manager manager = new Manager()) {
            ConditionProxy c = manager.condition();
            EventProxy stoppedWaits = manager.event();
            EventProxy liveWaits = manager.event();
            BlockingQueue<Boolean> woken = manager.queue();
            MpProcess stopped = new MpProcess(() -> {
                c.acquire();
                ManagerCalls.setWhenWaiting(stoppedWaits, "await");
                c.await();
            });
            MpProcess live = new MpProcess(() -> {
                c.acquire();
                ManagerCalls.setWhenWaiting(liveWaits, "await");
                woken.put(c.await(LONG));
                c.release();
            });
            stopped.start();
            try {
                assertThat(stoppedWaits.await(LONG)).isTrue();
                POSIX.kill(stopped.pid(), Signal.SIGSTOP);
                Kernel.awaitState(stopped.pid(), 'T');
                live.start();
                assertThat(liveWaits.await(LONG)).isTrue();
                assertThat(c.acquire(60, TimeUnit.SECONDS)).isTrue();
                c.signal(1);
                c.release();
                assertThat(Kernel.await(LONG, () -> heldByAnother(c))).as("the lock was taken back for the stopped one")
                        .isTrue();
                stopped.kill();
                stopped.join(LONG);
                assertThat(woken.poll(LONG.toSeconds(), TimeUnit.SECONDS)).as("the live waiter was signalled").isTrue();
                assertThat(live.join(LONG)).isTrue();
            } finally {
                stopped.kill();
                stopped.join(LONG);
                live.kill();
                live.join(LONG);
            }
            assertThat(c.acquire(false)).as("neither wait left the lock held").isTrue();
            c.release();
        }
    }

    /** Whether another thread holds {@code lock} now (taken and let go at once if not). */
    private static boolean heldByAnother(AcquirerProxy lock) {
        if (lock.acquire(false)) {
            lock.release();
            return false;
        }
        return true;
    }

    @Test
    void badArgumentsAreRefusedNamingTheRule() throws Exception {
        try (Manager manager = new Manager()) {
            assertThatThrownBy(() -> manager.semaphore(-1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1").hasMessageContaining(">= 0");
            assertThatThrownBy(() -> manager.boundedSemaphore(-2)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-2");
            AcquirerProxy semaphore = manager.semaphore(2);
            assertThatThrownBy(() -> manager.condition(semaphore)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Lock or RLock");
            assertThatThrownBy(() -> manager.condition(null)).isInstanceOf(IllegalArgumentException.class);
            try (Manager another = new Manager()) {
                AcquirerProxy foreign = another.lock();
                assertThatThrownBy(() -> manager.condition(foreign)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("same manager");
            }
            assertThatThrownBy(() -> semaphore.acquire(-1, TimeUnit.SECONDS))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
            ConditionProxy c = manager.condition();
            c.acquire();
            assertThatThrownBy(() -> c.signal(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
            c.release();
        }
    }
}
