package io.forkj.it.mp;

import io.forkj.multiprocessing.AcquirerProxy;
import io.forkj.multiprocessing.Barrier;
import io.forkj.multiprocessing.Condition;
import io.forkj.multiprocessing.ConditionProxy;
import io.forkj.multiprocessing.Event;
import io.forkj.multiprocessing.Lock;
import io.forkj.multiprocessing.Manager;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.RLock;
import io.forkj.multiprocessing.Semaphore;
import io.forkj.multiprocessing.ShareableList;
import io.forkj.multiprocessing.StartMethod;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * For {@link MpLocksIT}: a fresh JVM that makes shared and manager locks (and a {@code ShareableList}) but never
 * calls their timed methods (or reads and writes the list); its FORK child is the first to call each. A FORK child must not load a class its parent never loaded (the JVM's jar is
 * not always readable there: a holder died of NoClassDefFoundError), so whatever such a call needs must be loaded
 * by making the object or by the FORK start's warm-up. Prints "fork child PID exit N"; run with
 * {@code -Xlog:class+load=info:stdout:pid,tid}, the lines of the child's one thread (its tid is its pid) name every
 * class it loaded.
 */
public final class FirstUseInForkMain {
    private FirstUseInForkMain() {
    }

    public static void main(String[] args) throws Exception {
        Lock lock = new Lock();
        RLock rlock = new RLock();
        Semaphore semaphore = new Semaphore(1);
        Event event = new Event();
        Condition condition = new Condition();
        Barrier barrier = new Barrier(1);
        ShareableList list = ShareableList.of("ten bytes!", 0L, new byte[] {1}, 0.5);
        try (Manager manager = new Manager()) {
            AcquirerProxy managed = manager.rlock();
            ConditionProxy managedCondition = manager.condition();
            MpProcess p = Multiprocessing.getContext(StartMethod.FORK).process(() -> {
                boolean all = lock.acquire(true, Duration.ofSeconds(5));
                lock.release();
                all &= rlock.acquire(true, Duration.ofSeconds(5));
                all &= semaphore.acquire(true, Duration.ofSeconds(5));
                all &= !event.await(Duration.ofMillis(1));
                condition.acquire();
                all &= !condition.await(Duration.ofMillis(1));
                condition.release();
                all &= barrier.await(Duration.ofSeconds(5)) == 0;
                all &= managed.acquire(5, TimeUnit.SECONDS);
                managed.release();
                try (var held = managed.hold()) {
                    all &= held != null;
                }
                try (var held = lock.hold()) {
                    all &= held != null;
                }
                managedCondition.acquire();
                all &= !managedCondition.await(Duration.ofMillis(1));
                managedCondition.release();
                list.set(1, ((String) list.get(0)).length());
                list.set(2, new byte[] {2});
                list.set(3, true);
                all &= list.count(10L) == 1 && list.indexOf(new byte[] {2}) == 2 && list.toString().contains("ten");
                try {
                    list.set(0, "more than sixteen bytes");
                    all = false;
                } catch (IllegalArgumentException tooLong) {
                    all &= tooLong.getMessage().contains("exceeds");
                }
                if (!all) {
                    throw new IllegalStateException("a call returned the wrong answer");
                }
            });
            p.forkDeadline(Duration.ofSeconds(60));
            p.start();
            p.join(Duration.ofSeconds(120));
            System.out.println("fork child " + p.pid() + " exit " + p.exitCode().orElse(-1));
        }
    }
}
