package io.forkj.benchmarks;

import io.forkj.multiprocessing.Event;
import io.forkj.multiprocessing.Lock;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.RawValue;
import io.forkj.multiprocessing.ShareableList;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.Target;
import io.forkj.multiprocessing.Value;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Shared-memory and lock figures for benchmarks/mp/shm.sh, which runs CPython's equivalents interleaved with
 * these. One number per line on stdout:
 * <ul>
 *   <li>{@code lock N}: uncontended {@code Lock} acquire + release, ns per pair, over N pairs after a warm-up;</li>
 *   <li>{@code locked N} / {@code atomic N}: 2 SPAWN processes each add 1 to a shared {@code Value('i')} N times,
 *       under {@code getLock()} / with {@code getAndAdd}; increments per second from the start gate to the last
 *       one (each child first runs the same loop on a private value, so both measure warm code);</li>
 *   <li>{@code handoff N}: 2 SPAWN processes take N turns each, strictly alternating: a process takes the
 *       {@code Lock} until a shared value says it is its turn, then passes the turn; turns (hand-offs of the lock
 *       between the processes) per second;</li>
 *   <li>{@code sharelist N}: one process reads a 16-byte string item of a {@code ShareableList} and writes an int
 *       item, ns per read + write, over N pairs after a warm-up.</li>
 * </ul>
 */
public final class SharedMemoryBench {
    private SharedMemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int n = Integer.parseInt(args[1]);
        switch (mode) {
            case "lock":
                System.out.println(uncontended(n));
                break;
            case "locked":
            case "atomic":
                System.out.println(increments(mode.equals("atomic"), n));
                break;
            case "handoff":
                System.out.println(handoffs(n));
                break;
            case "sharelist":
                System.out.println(shareableList(n));
                break;
            default:
                throw new IllegalArgumentException("mode " + mode + " is not lock, locked, atomic, handoff or sharelist");
        }
        System.exit(0);
    }

    private static double uncontended(int n) {
        Lock lock = new Lock();
        for (int round = 0; round < 5; round++) {
            pairs(lock, n / 2);
        }
        long start = System.nanoTime();
        pairs(lock, n);
        return (System.nanoTime() - start) / (double) n;
    }

    private static double shareableList(int n) {
        try (ShareableList list = ShareableList.of("sixteen bytes!!!", 0L)) {
            long sum = 0;
            for (int round = 0; round < 5; round++) {
                sum += readsAndWrites(list, n / 2);
            }
            long start = System.nanoTime();
            sum += readsAndWrites(list, n);
            double ns = (System.nanoTime() - start) / (double) n;
            if (sum != 16L * (n / 2 * 5 + n)) {
                throw new IllegalStateException("read " + sum + " characters");
            }
            return ns;
        }
    }

    private static long readsAndWrites(ShareableList list, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += ((String) list.get(0)).length();
            list.set(1, i);
        }
        return sum;
    }

    private static void pairs(Lock lock, int n) {
        for (int i = 0; i < n; i++) {
            lock.acquire();
            lock.release();
        }
    }

    private static void addLocked(Value v, int n) {
        for (int i = 0; i < n; i++) {
            try (var held = v.getLock().hold()) {
                v.set(v.getInt() + 1);
            }
        }
    }

    private static void addAtomic(Value v, int n) {
        for (int i = 0; i < n; i++) {
            v.getAndAdd(1);
        }
    }

    private static double increments(boolean atomic, int n) throws Exception {
        Value shared = new Value('i', 0);
        Event go = new Event();
        RawValue done = new RawValue('i', 0);
        RawValue ready = new RawValue('i', 0);
        Target child = () -> {
            Value mine = new Value('i', 0);
            for (int round = 0; round < 4; round++) {
                if (atomic) {
                    addAtomic(mine, n);
                } else {
                    addLocked(mine, n);
                }
            }
            ready.getAndAdd(1);
            go.await(Duration.ofSeconds(120));
            if (atomic) {
                addAtomic(shared, n);
            } else {
                addLocked(shared, n);
            }
            done.getAndAdd(1);
        };
        List<MpProcess> children = start(child, 2);
        awaitCount(ready, 2);
        long start = System.nanoTime();
        go.set();
        awaitCount(done, 2);
        long elapsed = System.nanoTime() - start;
        join(children);
        if (shared.getInt() != 2 * n) {
            throw new IllegalStateException("lost updates: " + shared.getInt() + " != " + 2 * n);
        }
        return 2.0 * n / (elapsed / 1e9);
    }

    /** Takes the lock until it has had {@code n} turns: a turn is the lock held while {@code turn} names it. */
    private static void takeTurns(Lock lock, RawValue turn, int me, int other, int n) {
        int done = 0;
        while (done < n) {
            lock.acquire();
            if (turn.getLong() == me) {
                turn.set(other);
                done++;
            }
            lock.release();
        }
    }

    private static double handoffs(int n) throws Exception {
        Lock lock = new Lock();
        RawValue turn = new RawValue('i', 1);
        RawValue ids = new RawValue('i', 0);
        Event go = new Event();
        RawValue done = new RawValue('i', 0);
        RawValue ready = new RawValue('i', 0);
        Target child = () -> {
            int me = (int) ids.incrementAndGet();
            takeTurns(new Lock(), new RawValue('i', me), me, me, 4 * n);
            ready.getAndAdd(1);
            go.await(Duration.ofSeconds(120));
            takeTurns(lock, turn, me, 3 - me, n);
            done.getAndAdd(1);
        };
        List<MpProcess> children = start(child, 2);
        awaitCount(ready, 2);
        long start = System.nanoTime();
        go.set();
        awaitCount(done, 2);
        long elapsed = System.nanoTime() - start;
        join(children);
        return 2.0 * n / (elapsed / 1e9);
    }

    private static List<MpProcess> start(Target target, int count) {
        List<MpProcess> children = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            MpProcess p = new MpProcess(target).startMethod(StartMethod.SPAWN);
            p.start();
            children.add(p);
        }
        return children;
    }

    private static void awaitCount(RawValue counter, int target) throws InterruptedException {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (counter.getLong() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("children did not get there in 300 s");
            }
            Thread.sleep(1);
        }
    }

    private static void join(List<MpProcess> children) throws InterruptedException {
        for (MpProcess p : children) {
            p.join(Duration.ofSeconds(120));
            if (p.exitCode().orElse(-1) != 0) {
                throw new IllegalStateException("child " + p.pid() + " ended with " + p.exitCode());
            }
        }
    }
}
