package io.forkj.it.mp;

import io.forkj.Signal;
import io.forkj.it.Kernel;
import io.forkj.it.mp.Children.How;
import io.forkj.multiprocessing.Barrier;
import io.forkj.multiprocessing.BoundedSemaphore;
import io.forkj.multiprocessing.Condition;
import io.forkj.multiprocessing.Event;
import io.forkj.multiprocessing.Lock;
import io.forkj.multiprocessing.OwnerDiedException;
import io.forkj.multiprocessing.RLock;
import io.forkj.multiprocessing.RawArray;
import io.forkj.multiprocessing.RawValue;
import io.forkj.multiprocessing.Semaphore;
import io.forkj.posix.Child;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * forkj's locks between real processes, FORK and SPAWN children alike: no lost update under contention by four
 * processes, timeouts while another process holds the lock, Condition/Event/Barrier across processes, and the
 * case CPython deadlocks on: a holder killed with SIGKILL.
 */
class MpLocksIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The kinds of lock a dead holder must not wedge. */
    enum Kind { LOCK, RLOCK, SEMAPHORE, BOUNDED_SEMAPHORE }

    /** One interface over the four kinds, for the shared test bodies. */
    interface Guard extends java.io.Serializable {
        void acquire();

        boolean acquire(Duration timeout);

        void release();
    }

    static Guard guard(Kind kind) {
        switch (kind) {
            case LOCK: {
                Lock lock = new Lock();
                return new Guard() {
                    public void acquire() { lock.acquire(); }
                    public boolean acquire(Duration t) { return lock.acquire(true, t); }
                    public void release() { lock.release(); }
                };
            }
            case RLOCK: {
                RLock lock = new RLock();
                return new Guard() {
                    public void acquire() { lock.acquire(); lock.acquire(); lock.release(); }
                    public boolean acquire(Duration t) { return lock.acquire(true, t); }
                    public void release() { lock.release(); }
                };
            }
            case SEMAPHORE: {
                Semaphore sem = new Semaphore(1);
                return new Guard() {
                    public void acquire() { sem.acquire(); }
                    public boolean acquire(Duration t) { return sem.acquire(true, t); }
                    public void release() { sem.release(); }
                };
            }
            default: {
                BoundedSemaphore sem = new BoundedSemaphore(1);
                return new Guard() {
                    public void acquire() { sem.acquire(); }
                    public boolean acquire(Duration t) { return sem.acquire(true, t); }
                    public void release() { sem.release(); }
                };
            }
        }
    }

    @ParameterizedTest
    @EnumSource(How.class)
    void fourProcessesIncrementUnderEachKindOfLockWithoutLosingAnUpdate(How how) throws Exception {
        int times = how == How.FORK ? 2_000 : 20_000;
        Kind[] kinds = Kind.values();
        Guard[] guards = new Guard[kinds.length];
        RawValue[] counters = new RawValue[kinds.length];
        Children.Task[] tasks = new Children.Task[kinds.length];
        for (int k = 0; k < kinds.length; k++) {
            Guard guard = guard(kinds[k]);
            RawValue counter = new RawValue('i', 0);
            guards[k] = guard;
            counters[k] = counter;
            tasks[k] = () -> incrementUnder(guard, counter, times);
        }
        // The parent takes part, first and many times over: a FORK child must find the whole path (every kind
        // through the one call site) compiled, or it may ask the JIT for a compilation and block for ever.
        int parentRounds = how == How.FORK ? 10 : 1;
        for (int round = 0; round < parentRounds; round++) {
            for (Children.Task task : tasks) {
                task.run();
            }
        }
        for (int k = 0; k < kinds.length; k++) {
            List<Child> children = Children.start(how, 4, tasks[k]);
            assertThat(Children.exitCodes(children)).as(kinds[k] + " children").containsOnly(0);
            assertThat(counters[k].getLong()).as(kinds[k].toString()).isEqualTo((4L + parentRounds) * times);
        }
    }

    private static void incrementUnder(Guard guard, RawValue counter, int times) {
        for (int i = 0; i < times; i++) {
            guard.acquire();
            counter.set(counter.getLong() + 1);
            guard.release();
        }
    }

    @ParameterizedTest
    @EnumSource(How.class)
    void atomicsNeedNoLockAcrossProcesses(How how) throws Exception {
        int times = how == How.FORK ? 3_000 : 50_000;
        RawValue counter = new RawValue('q', 0);
        RawArray cells = new RawArray('h', 2);
        Children.Task add = () -> {
            for (int i = 0; i < times; i++) {
                counter.getAndAdd(1);
                cells.getAndAdd(1, 1);
            }
        };
        add.run();
        assertThat(Children.exitCodes(Children.start(how, 4, add))).containsOnly(0);
        assertThat(counter.getLong()).isEqualTo(5L * times);
        assertThat(cells.getLong(1)).isEqualTo((short) (5 * times));
        assertThat(cells.getLong(0)).isZero();
    }

    @ParameterizedTest
    @EnumSource(How.class)
    void aKilledHolderOfEachKindIsReportedToTheNextAcquirerWithItsPidAndTheLockWorksAgain(How how) throws Exception {
        for (Kind kind : Kind.values()) {
            Guard guard = guard(kind);
            RawValue holding = new RawValue('i', 0);
            RawValue seenDeadPid = new RawValue('i', 0);
            Child holder = Children.start(how, () -> {
                guard.acquire();
                holding.set(1);
                Thread.sleep(600_000);
            });
            assertThat(Kernel.await(WAIT, () -> holding.getLong() == 1)).as(kind + " holder took it").isTrue();
            // A sibling blocks on it, then learns who died.
            Child sibling = Children.start(how, () -> {
                try {
                    guard.acquire();
                } catch (OwnerDiedException e) {
                    seenDeadPid.set(e.deadPid());
                    guard.acquire();
                }
                guard.release();
            });
            assertThat(guard.acquire(Duration.ofMillis(300))).as(kind + " is held").isFalse();
            holder.kill(Signal.SIGKILL);
            long killed = System.nanoTime();
            assertThat(Children.exitCode(sibling)).as(kind + " sibling").isZero();
            assertThat(Children.exitCode(holder)).isEqualTo(-9);
            boolean reportedToParent = seenDeadPid.getLong() == 0;
            if (reportedToParent) {
                // The parent's own timed acquire raced the sibling and took the report: it must be the parent's now.
                assertThatThrownBy(() -> guard.acquire(WAIT)).isInstanceOf(OwnerDiedException.class)
                        .hasMessageContaining("pid " + holder.pid()).hasMessageContaining("inconsistent");
            } else {
                assertThat(seenDeadPid.getLong()).as(kind + ": the sibling was told the dead pid")
                        .isEqualTo(holder.pid());
            }
            assertThat(System.nanoTime() - killed).as("recovered well within the wait").isLessThan(WAIT.toNanos());
            assertThat(guard.acquire(WAIT)).as(kind + " usable again").isTrue();
            guard.release();
        }
    }

    @ParameterizedTest
    @EnumSource(How.class)
    void acquireTimesOutWhileAnotherLiveProcessHoldsIt(How how) throws Exception {
        Lock lock = new Lock();
        Semaphore sem = new Semaphore(1);
        Event done = new Event();
        RawValue holding = new RawValue('i', 0);
        Child holder = Children.start(how, () -> {
            lock.acquire();
            sem.acquire();
            holding.set(1);
            done.await(Duration.ofSeconds(120));
            sem.release();
            lock.release();
        });
        assertThat(Kernel.await(WAIT, () -> holding.getLong() == 1)).isTrue();
        long start = System.nanoTime();
        assertThat(lock.acquire(true, Duration.ofMillis(300))).isFalse();
        assertThat(sem.acquire(true, Duration.ofMillis(300))).isFalse();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(600_000_000L);
        assertThat(lock.acquire(false, null)).isFalse();
        assertThat(lock.holderPid()).isEqualTo(holder.pid());
        done.set();
        assertThat(Children.exitCode(holder)).isZero();
        assertThat(lock.acquire(true, WAIT)).isTrue();
        assertThat(sem.acquire(true, WAIT)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(How.class)
    void conditionEventAndBarrierWorkBetweenProcesses(How how) throws Exception {
        Condition cond = new Condition();
        RawValue ready = new RawValue('i', 0);
        Event go = new Event();
        Barrier barrier = new Barrier(3);
        RawArray indexes = new RawArray('i', new int[] {-1, -1, -1});
        RawValue slot = new RawValue('i', 0);
        Children.Task task = () -> {
            try (var held = cond.hold()) {
                if (!cond.waitFor(() -> ready.getLong() == 1, Duration.ofSeconds(120))) {
                    throw new IllegalStateException("condition never notified");
                }
            }
            if (!go.await(Duration.ofSeconds(120))) {
                throw new IllegalStateException("event never set");
            }
            indexes.set((int) slot.getAndAdd(1), barrier.await(Duration.ofSeconds(120)));
        };
        List<Child> children = Children.start(how, 2, task);
        try (var held = cond.hold()) {
            ready.set(1);
            cond.signalAll();
        }
        go.set();
        indexes.set((int) slot.getAndAdd(1), barrier.await(WAIT));
        assertThat(Children.exitCodes(children)).containsOnly(0);
        assertThat(indexes.toList()).containsExactlyInAnyOrder(0, 1, 2);
    }
}
