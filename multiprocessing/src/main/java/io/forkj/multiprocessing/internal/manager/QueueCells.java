package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.JoinableQueueProxy;
import io.forkj.multiprocessing.internal.Timeouts;

import java.util.AbstractQueue;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The queues a manager's server holds ({@code manager.Queue()}, {@code manager.JoinableQueue()}): first in, first
 * out, under one monitor, and no item is ever handed to nobody. CPython's server thread blocked in {@code get} for a
 * consumer that was killed or interrupted stays blocked, takes the next item put and loses it writing to the closed
 * connection. Here a waiting call gives up when its caller's connection closes ({@link ManagerServer#checkCaller}),
 * an item taken by a call whose caller never acknowledged the answer goes back to the head of the queue, and an
 * item put by such a call is taken out again if it is still queued ({@link ManagerServer#undoIfUnread}): an
 * interrupted {@code take} or {@code put} has no effect, and a consumer killed while its item was on the wire
 * leaves the item to the next consumer.
 */
class QueueCells {
    private QueueCells() {
    }

    /** A manager's queue: Python's {@code queue.Queue(maxsize)}. Every field is guarded by its monitor. */
    static class QueueCell<E> extends AbstractQueue<E> implements BlockingQueue<E>, Cells.SelfLocking {
        private final int capacity;
        private final ArrayDeque<E> items = new ArrayDeque<>();
        /** Items put and not yet marked done (a {@link JoinableCell}'s count; kept for every queue, it is cheap). */
        int unfinished;

        QueueCell(int maxsize) {
            this.capacity = maxsize <= 0 ? Integer.MAX_VALUE : maxsize;
        }

        @Override
        public synchronized boolean offer(E e) {
            Objects.requireNonNull(e, "a queue holds no null");
            if (items.size() >= capacity) {
                return false;
            }
            insert(e);
            return true;
        }

        @Override
        public void put(E e) throws InterruptedException {
            insertWithin(e, Timeouts.FOREVER);
        }

        @Override
        public boolean offer(E e, long timeout, TimeUnit unit) throws InterruptedException {
            return insertWithin(e, Math.max(0, unit.toNanos(timeout)));
        }

        @Override
        public E take() throws InterruptedException {
            return removeWithin(Timeouts.FOREVER);
        }

        @Override
        public E poll(long timeout, TimeUnit unit) throws InterruptedException {
            return removeWithin(Math.max(0, unit.toNanos(timeout)));
        }

        @Override
        public synchronized E poll() {
            return items.isEmpty() ? null : removeFirst();
        }

        @Override
        public synchronized E peek() {
            return items.peekFirst();
        }

        @Override
        public synchronized int size() {
            return items.size();
        }

        @Override
        public synchronized int remainingCapacity() {
            return capacity == Integer.MAX_VALUE ? Integer.MAX_VALUE : capacity - items.size();
        }

        @Override
        public synchronized boolean contains(Object o) {
            return items.contains(o);
        }

        @Override
        public synchronized boolean remove(Object o) {
            boolean removed = items.remove(o);
            if (removed) {
                notifyAll();
            }
            return removed;
        }

        /** A copy: the queue may change while it is read. */
        @Override
        public synchronized Iterator<E> iterator() {
            return List.copyOf(items).iterator();
        }

        /**
         * Refused: the collection is a copy in the server's process, so the items drained into it would be lost to
         * the caller (CPython's proxy has no such method).
         */
        @Override
        public int drainTo(Collection<? super E> c) {
            return drainTo(c, Integer.MAX_VALUE);
        }

        @Override
        public int drainTo(Collection<? super E> c, int maxElements) {
            throw new UnsupportedOperationException("drainTo cannot fill a collection in the caller's process: the"
                    + " items would stay in the manager's copy of it; take them with poll() in a loop");
        }

        @Override
        public synchronized String toString() {
            return "Queue" + items;
        }

        /** Puts {@code e} last once there is room, waiting at most {@code nanos} ({@link Timeouts#FOREVER}: no limit). */
        private synchronized boolean insertWithin(E e, long nanos) throws InterruptedException {
            Objects.requireNonNull(e, "a queue holds no null");
            if (!Cells.awaitUntil(this, () -> {
                waited();
                return items.size() < capacity;
            }, nanos)) {
                return false;
            }
            insert(e);
            return true;
        }

        /** Takes the first item once there is one, waiting at most {@code nanos}; null if none came. */
        private synchronized E removeWithin(long nanos) throws InterruptedException {
            if (!Cells.awaitUntil(this, () -> {
                waited();
                return !items.isEmpty();
            }, nanos)) {
                return null;
            }
            return removeFirst();
        }

        /** Under the monitor, at each look of a wait ({@link Cells#awaitUntil}): for a subclass's periodic look. */
        void waited() {
        }

        /** Under the monitor: {@code e} was taken by the current call. */
        void taken(E e) {
        }

        /**
         * Under the monitor: {@code e}, taken by a call whose caller never read it, is to go back to the queue.
         *
         * @return false if it is back already
         */
        boolean givenBack(E e) {
            return true;
        }

        /** Under the monitor: puts {@code e} first again (even past the bound), as if never taken. */
        void putBackFirst(E e) {
            items.addFirst(e);
            notifyAll();
        }

        /** Under the monitor. */
        private void insert(E e) {
            items.addLast(e);
            unfinished++;
            notifyAll();
            ManagerServer.undoIfUnread(() -> withdraw(e));
        }

        /** Under the monitor. */
        private E removeFirst() {
            E e = items.removeFirst();
            notifyAll();
            taken(e);
            ManagerServer.undoIfUnread(() -> giveBack(e));
            return e;
        }

        /** Undoes a put whose caller never read the answer, if the item is still queued. */
        private synchronized void withdraw(E e) {
            for (Iterator<E> it = items.descendingIterator(); it.hasNext(); ) {
                if (it.next() == e) {
                    it.remove();
                    unfinished--;
                    notifyAll();
                    return;
                }
            }
        }

        /** Undoes a take whose caller never read the answer: the item is first again, even in a full queue. */
        private synchronized void giveBack(E e) {
            if (givenBack(e)) {
                putBackFirst(e);
            }
        }
    }

    /**
     * A queue that counts unfinished tasks: Python's {@code JoinableQueue}, for {@code manager.JoinableQueue()}. It
     * also keeps each item a process took until that process marks one done, and puts a dead process's items back
     * first in the queue, for another consumer: CPython's {@code join()} waits for ever for the task of a consumer
     * killed between {@code get} and {@code task_done}. {@code taskDone} does not name its item: a process's oldest
     * item taken counts as done, which is exact for a consumer that takes one item at a time.
     */
    static final class JoinableCell<E> extends QueueCell<E> implements JoinableQueueProxy<E>, Cells.ConnectionWatcher {
        /** Items each process took and has not marked done, oldest first. */
        private final Map<OwnedCells.Owner, ArrayDeque<E>> outstanding = new LinkedHashMap<>();
        private long lastCheck = System.nanoTime();

        JoinableCell(int maxsize) {
            super(maxsize);
        }

        @Override
        void taken(E e) {
            OwnedCells.Owner process = ManagerServer.callerProcess();
            if (process != null) {
                outstanding.computeIfAbsent(process, p -> new ArrayDeque<>()).addLast(e);
            }
        }

        @Override
        boolean givenBack(E e) {
            OwnedCells.Owner process = ManagerServer.callerProcess();
            if (process == null) {
                return true;
            }
            // a waiter's look may have found the process dead and put its items back before its connection ended
            ArrayDeque<E> mine = outstanding.get(process);
            boolean outstandingStill = mine != null && mine.removeLastOccurrence(e);
            if (mine != null && mine.isEmpty()) {
                outstanding.remove(process);
            }
            return outstandingStill;
        }

        @Override
        void waited() {
            if (System.nanoTime() - lastCheck >= OwnedCells.CHECK_NANOS) {
                recoverDead();
            }
        }

        /** Puts the items of processes that died before marking them done back first in the queue. */
        @Override
        public synchronized void connectionEnded() {
            recoverDead();
        }

        /** Under the monitor: see {@link #connectionEnded()}. */
        private void recoverDead() {
            lastCheck = System.nanoTime();
            for (Iterator<Map.Entry<OwnedCells.Owner, ArrayDeque<E>>> it = outstanding.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<OwnedCells.Owner, ArrayDeque<E>> entry = it.next();
                if (entry.getKey().isDead()) {
                    for (Iterator<E> items = entry.getValue().descendingIterator(); items.hasNext(); ) {
                        putBackFirst(items.next());
                    }
                    it.remove();
                }
            }
        }

        @Override
        public synchronized void taskDone() {
            if (unfinished == 0) {
                throw new IllegalStateException("task_done() called too many times");
            }
            OwnedCells.Owner process = ManagerServer.callerProcess();
            ArrayDeque<E> mine = process == null ? null : outstanding.get(process);
            if (mine != null) {
                E done = mine.pollFirst();
                if (mine.isEmpty()) {
                    outstanding.remove(process);
                }
                // should the caller never read this answer, the item is its again: it may not have been done
                ManagerServer.undoIfUnread(() -> undoTaskDone(process, done));
            }
            if (--unfinished == 0) {
                notifyAll();
            }
        }

        private synchronized void undoTaskDone(OwnedCells.Owner process, E done) {
            outstanding.computeIfAbsent(process, p -> new ArrayDeque<>()).addFirst(done);
            unfinished++;
        }

        @Override
        public void join() throws InterruptedException {
            join(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        }

        @Override
        public synchronized boolean join(long timeout, TimeUnit unit) throws InterruptedException {
            long nanos = unit.toNanos(timeout);
            long limit = nanos == Long.MAX_VALUE ? Timeouts.FOREVER : Math.max(0, nanos);
            return Cells.awaitUntil(this, () -> {
                waited();
                return unfinished == 0;
            }, limit);
        }

        @Override
        public synchronized int unfinishedTasks() {
            return unfinished;
        }
    }
}
