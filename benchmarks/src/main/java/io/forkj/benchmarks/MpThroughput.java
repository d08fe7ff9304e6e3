package io.forkj.benchmarks;

import io.forkj.multiprocessing.AcquirerProxy;
import io.forkj.multiprocessing.Manager;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Pool;
import io.forkj.multiprocessing.ProcessPoolExecutor;
import io.forkj.multiprocessing.Queue;
import io.forkj.multiprocessing.SerializableCallable;
import io.forkj.multiprocessing.StartMethod;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Throughput of forkj's Queue, Pool, ProcessPoolExecutor and Manager, the rows benchmarks/mp/queue.sh compares
 * with CPython's multiprocessing. {@code MpThroughput MODE N ROUNDS [WARMUP]}: WARMUP untimed rounds (3 unless
 * given), then one line per round, operations per second. Process start-up is outside every timed region, as in the Python twin.
 */
public final class MpThroughput {
    /**
     * Untimed rounds first, so that this JVM and the workers have compiled the paths a round takes; CPython has no
     * JIT to warm. Three rounds are not a pool's steady state: fresh worker JVMs are still compiling their own
     * start-up then (most of a worker's compilations fall in its first 0.7 s), which is why queue.sh also times a
     * map after 30.
     */
    private static int WARMUP = 3;

    private MpThroughput() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int n = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        if (args.length > 3) {
            WARMUP = Integer.parseInt(args[3]);
        }
        switch (mode) {
            case "queue":
                queue(n, rounds);
                break;
            case "queue-fanout":
                queueFanOut(n, rounds);
                break;
            case "queue-threads":
                queueThreads(n, rounds);
                break;
            case "queue-producers":
                queueProducers(n, rounds);
                break;
            case "pool-map":
                try (Pool pool = new Pool(2, null, 0, StartMethod.SPAWN)) {
                    List<Integer> items = range(n);
                    for (int r = -WARMUP; r < rounds; r++) {
                        long t = System.nanoTime();
                        List<Integer> out = pool.map((Integer x) -> x, items);
                        report(r, n, t, out.size() == n);
                    }
                }
                break;
            case "imap":
                try (Pool pool = new Pool(2, null, 0, StartMethod.SPAWN)) {
                    List<Integer> items = range(n);
                    for (int r = -WARMUP; r < rounds; r++) {
                        long t = System.nanoTime();
                        int count = 0;
                        Iterator<Integer> it = pool.imap((Integer x) -> x, items, 1);
                        while (it.hasNext()) {
                            it.next();
                            count++;
                        }
                        report(r, n, t, count == n);
                    }
                }
                break;
            case "executor":
                try (ProcessPoolExecutor executor = new ProcessPoolExecutor(2, null, 0, StartMethod.SPAWN)) {
                    for (int r = -WARMUP; r < rounds; r++) {
                        long t = System.nanoTime();
                        List<CompletableFuture<Integer>> fs = new ArrayList<>(n);
                        for (int i = 0; i < n; i++) {
                            int v = i;
                            fs.add(executor.submit((SerializableCallable<Integer>) () -> v));
                        }
                        long sum = 0;
                        for (CompletableFuture<Integer> f : fs) {
                            sum += f.get();
                        }
                        report(r, n, t, sum == (long) n * (n - 1) / 2);
                    }
                }
                break;
            case "manager":
                try (Manager manager = new Manager()) {
                    Map<Integer, Integer> d = manager.dict();
                    for (int r = -WARMUP; r < rounds; r++) {
                        long t = System.nanoTime();
                        for (int i = 0; i < n; i++) {
                            d.put(i, i);
                        }
                        report(r, n, t, d.size() == n);
                    }
                }
                break;
            case "manager-lock":
                try (Manager manager = new Manager()) {
                    AcquirerProxy lock = manager.lock();
                    for (int r = -WARMUP; r < rounds; r++) {
                        long t = System.nanoTime();
                        boolean all = true;
                        for (int i = 0; i < n; i++) {
                            all &= lock.acquire();
                            lock.release();
                        }
                        report(r, n, t, all);
                    }
                }
                break;
            case "manager-queue":
                try (Manager manager = new Manager()) {
                    BlockingQueue<Integer> q = manager.queue();
                    for (int r = -WARMUP; r < rounds; r++) {
                        long t = System.nanoTime();
                        long sum = 0;
                        for (int i = 0; i < n; i++) {
                            q.put(i);
                            sum += q.take();
                        }
                        report(r, n, t, sum == (long) n * (n - 1) / 2);
                    }
                }
                break;
            default:
                throw new IllegalArgumentException("mode " + mode + ": queue, queue-fanout, queue-threads, queue-producers,"
                        + " pool-map, imap, executor, manager, manager-lock or manager-queue");
        }
        System.exit(0);
    }

    /** One producer (this process) puts n small ints; one SPAWN consumer gets them; timed until it says done. */
    private static void queue(int n, int rounds) throws Exception {
        for (int r = -WARMUP; r < rounds; r++) {
            Queue<Integer> q = new Queue<>();
            Queue<String> control = new Queue<>();
            MpProcess consumer = new MpProcess(() -> {
                control.put("ready");
                for (int i = 0; i < n; i++) {
                    q.get();
                }
                control.put("done");
            }).startMethod(StartMethod.SPAWN);
            consumer.start();
            control.get();
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                q.put(i);
            }
            boolean ok = "done".equals(control.get());
            report(r, n, t, ok);
            consumer.join();
            q.close();
            control.close();
        }
    }

    /** Consumer processes of {@link #queueFanOut}: more than the machine's 2 cores, as work queues often have. */
    private static final int FAN_OUT = 4;

    /**
     * One producer (this process) puts n small ints and then one end mark per consumer; {@link #FAN_OUT} SPAWN
     * consumers get until their end mark; timed until every consumer says done.
     */
    private static void queueFanOut(int n, int rounds) throws Exception {
        for (int r = -WARMUP; r < rounds; r++) {
            Queue<Integer> q = new Queue<>();
            Queue<Integer> control = new Queue<>();
            List<MpProcess> consumers = new ArrayList<>();
            for (int c = 0; c < FAN_OUT; c++) {
                MpProcess consumer = new MpProcess(() -> {
                    control.put(-1);
                    int got = 0;
                    while (q.get() >= 0) {
                        got++;
                    }
                    control.put(got);
                }).startMethod(StartMethod.SPAWN);
                consumer.start();
                consumers.add(consumer);
            }
            for (int c = 0; c < FAN_OUT; c++) {
                control.get();
            }
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                q.put(i);
            }
            for (int c = 0; c < FAN_OUT; c++) {
                q.put(-1);
            }
            int got = 0;
            for (int c = 0; c < FAN_OUT; c++) {
                got += control.get();
            }
            report(r, n, t, got == n);
            for (MpProcess consumer : consumers) {
                consumer.join();
            }
            q.close();
            control.close();
        }
    }

    /** Consumer threads of {@link #queueThreads}: many waiting consumers, where waking them all on a put shows. */
    private static final int CONSUMER_THREADS = 32;

    /**
     * One producer thread puts n small ints and one end mark per consumer; {@link #CONSUMER_THREADS} threads of
     * this JVM get until their end mark; timed until every consumer has ended.
     */
    private static void queueThreads(int n, int rounds) throws Exception {
        for (int r = -WARMUP; r < rounds; r++) {
            Queue<Integer> q = new Queue<>();
            java.util.concurrent.atomic.AtomicInteger got = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> consumers = new ArrayList<>();
            for (int c = 0; c < CONSUMER_THREADS; c++) {
                Thread consumer = new Thread(() -> {
                    while (q.get() >= 0) {
                        got.incrementAndGet();
                    }
                });
                consumer.start();
                consumers.add(consumer);
            }
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                q.put(i);
            }
            for (int c = 0; c < CONSUMER_THREADS; c++) {
                q.put(-1);
            }
            for (Thread consumer : consumers) {
                consumer.join();
            }
            report(r, n, t, got.get() == n);
            q.close();
        }
    }

    /** The item limit of {@link #queueProducers}' queue: its producers wait for places most of the time. */
    private static final int PRODUCERS_MAXSIZE = 100;

    /**
     * {@link #CONSUMER_THREADS} producer threads put n small ints in all into a queue of {@link #PRODUCERS_MAXSIZE}
     * places; this thread gets them; timed until it has them all.
     */
    private static void queueProducers(int n, int rounds) throws Exception {
        int each = n / CONSUMER_THREADS;
        for (int r = -WARMUP; r < rounds; r++) {
            Queue<Integer> q = new Queue<>(PRODUCERS_MAXSIZE);
            List<Thread> producers = new ArrayList<>();
            long t = System.nanoTime();
            for (int p = 0; p < CONSUMER_THREADS; p++) {
                Thread producer = new Thread(() -> {
                    for (int i = 0; i < each; i++) {
                        q.put(i);
                    }
                });
                producer.start();
                producers.add(producer);
            }
            long sum = 0;
            for (int i = 0; i < each * CONSUMER_THREADS; i++) {
                sum += q.get();
            }
            for (Thread producer : producers) {
                producer.join();
            }
            report(r, each * CONSUMER_THREADS, t, sum == (long) CONSUMER_THREADS * each * (each - 1) / 2);
            q.close();
        }
    }

    private static void report(int round, int n, long startNanos, boolean ok) {
        long elapsed = System.nanoTime() - startNanos;
        if (!ok) {
            throw new IllegalStateException("wrong result in round " + round);
        }
        if (round >= 0) {
            System.out.println((long) (n / (elapsed / 1e9)));
        }
    }

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }
}
