package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.BarrierProxy;
import io.forkj.multiprocessing.EventProxy;
import io.forkj.multiprocessing.Namespace;
import io.forkj.multiprocessing.RawArray;
import io.forkj.multiprocessing.SerializableFunction;
import io.forkj.multiprocessing.ValueProxy;
import io.forkj.multiprocessing.internal.Timeouts;

import java.time.Duration;
import java.util.AbstractList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.RandomAccess;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The objects a manager's server holds for {@code Namespace}, {@code Value}, {@code Array}, {@code Event},
 * {@code Barrier}; locks, semaphores and conditions are {@link OwnedCells}, queues {@link QueueCells}.
 */
final class Cells {
    private Cells() {
    }

    static final class NamespaceCell implements Namespace {
        private final Map<String, Object> attributes = new LinkedHashMap<>();

        @Override
        public Object get(String name) {
            if (!attributes.containsKey(name)) {
                throw new NoSuchElementException("'Namespace' object has no attribute '" + name + "'");
            }
            return attributes.get(name);
        }

        @Override
        public void set(String name, Object value) {
            attributes.put(name, value);
        }

        @Override
        public boolean delete(String name) {
            boolean had = attributes.containsKey(name);
            attributes.remove(name);
            return had;
        }

        @Override
        public Map<String, Object> attributes() {
            return new LinkedHashMap<>(attributes);
        }

        @Override
        public String toString() {
            return "Namespace" + attributes;
        }
    }

    static final class ValueCell<T> implements ValueProxy<T> {
        private T value;

        ValueCell(T value) {
            this.value = value;
        }

        @Override
        public T get() {
            return value;
        }

        @Override
        public void set(T value) {
            this.value = value;
        }

        @Override
        public T update(SerializableFunction<T, T> function) {
            value = function.apply(value);
            return value;
        }

        @Override
        public String toString() {
            return "Value(" + value + ")";
        }
    }

    /**
     * Holding {@code monitor}: waits on it until {@code done} holds or {@code nanos} pass ({@link Timeouts#FOREVER}:
     * no limit), in slices between which it ends the call if its caller is gone.
     *
     * @return whether {@code done} held
     * @throws ManagerServer.CallerGone if the caller closed its connection meanwhile
     */
    static boolean awaitUntil(Object monitor, BooleanSupplier done, long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        while (!done.getAsBoolean()) {
            long left = nanos == Timeouts.FOREVER ? OwnedCells.CHECK_NANOS : deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(monitor, Math.min(left, OwnedCells.CHECK_NANOS));
            ManagerServer.checkCaller();
        }
        return true;
    }

    /**
     * Python's {@code array.array}, which CPython's manager holds for {@code manager.Array(typecode, sequence)}: a
     * fixed-length list of one C type. A {@link RawArray} in the server's memory does the checking (type code,
     * index, whether a value fits); calls run under this object's monitor, as a list's do.
     */
    static final class ArrayCell extends AbstractList<Object> implements RandomAccess {
        private final RawArray array;

        ArrayCell(char typecode, Object sizeOrInitializer) {
            this.array = new RawArray(typecode, sizeOrInitializer);
        }

        @Override
        public Object get(int index) {
            return array.get(index);
        }

        @Override
        public Object set(int index, Object value) {
            Object old = array.get(index);
            array.set(index, value);
            return old;
        }

        @Override
        public int size() {
            return array.length();
        }
    }

    /**
     * A server object that is thread-safe itself and may block in a call: the server calls it without taking its
     * monitor (as for queues), so one caller's wait does not hold up the others.
     */
    interface SelfLocking {
    }

    /**
     * A server object that gives back what a dead process held or took: the server tells it when any connection
     * ends (the peer's process may have died).
     */
    interface ConnectionWatcher {
        void connectionEnded();
    }

    /** Python's {@code threading.Event}, which CPython's manager holds for {@code manager.Event()}. */
    static final class EventCell implements EventProxy, SelfLocking {
        private boolean flag;

        @Override
        public synchronized boolean isSet() {
            return flag;
        }

        @Override
        public synchronized void set() {
            flag = true;
            notifyAll();
        }

        @Override
        public synchronized void clear() {
            flag = false;
        }

        @Override
        public synchronized boolean await(Duration timeout) throws InterruptedException {
            return awaitUntil(this, () -> flag, Timeouts.nanos(true, timeout));
        }

        @Override
        public void await() throws InterruptedException {
            await(null);
        }

        @Override
        public synchronized String toString() {
            return "Event(" + (flag ? "set" : "unset") + ")";
        }
    }

    /** Python's {@code threading.Barrier}, which CPython's manager holds for {@code manager.Barrier(parties)}. */
    static final class BarrierCell implements BarrierProxy, SelfLocking {
        private final int parties;
        /** The current round: waiters of a round see it replaced (passed) or broken. */
        private Round round = new Round();
        private int waiting;

        private static final class Round {
            boolean broken;
        }

        BarrierCell(int parties) {
            if (parties <= 0) {
                throw new IllegalArgumentException("a barrier needs at least 1 party, not " + parties
                        + " (Python: ValueError)");
            }
            this.parties = parties;
        }

        @Override
        public int parties() {
            return parties;
        }

        @Override
        public synchronized int nWaiting() {
            return waiting;
        }

        @Override
        public synchronized boolean isBroken() {
            return round.broken;
        }

        @Override
        public int await() throws InterruptedException, BrokenBarrierException {
            return await(null);
        }

        @Override
        public synchronized int await(Duration timeout) throws InterruptedException, BrokenBarrierException {
            Round mine = round;
            if (mine.broken) {
                throw new BrokenBarrierException("the barrier is broken");
            }
            int index = waiting++;
            if (waiting == parties) {
                waiting = 0;
                round = new Round();
                notifyAll();
                return index;
            }
            boolean passed;
            try {
                passed = awaitUntil(this, () -> mine != round || mine.broken, Timeouts.nanos(true, timeout));
            } catch (ManagerServer.CallerGone gone) {
                // a party interrupted or killed while it waits breaks the barrier, as java.util.concurrent's and
                // Python's threading.Barrier do for an interrupted thread: the others are told, not left waiting
                if (mine == round) {
                    mine.broken = true;
                    waiting--;
                    notifyAll();
                }
                throw gone;
            }
            if (!passed) {
                mine.broken = true;
                waiting--;
                notifyAll();
                throw new BrokenBarrierException("timed out after " + timeout + ": the barrier is broken");
            }
            if (mine != round && !mine.broken) {
                return index;
            }
            if (mine == round) {
                waiting--;
            }
            throw new BrokenBarrierException("the barrier is broken");
        }

        @Override
        public synchronized void abort() {
            round.broken = true;
            notifyAll();
        }

        @Override
        public synchronized void reset() {
            round.broken = true;
            round = new Round();
            waiting = 0;
            notifyAll();
        }

        @Override
        public synchronized String toString() {
            return "Barrier(parties=" + parties + ", waiting=" + waiting + (round.broken ? ", broken)" : ")");
        }
    }
}
