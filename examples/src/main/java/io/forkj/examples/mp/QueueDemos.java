package io.forkj.examples.mp;

import io.forkj.examples.demos.Demo;
import io.forkj.multiprocessing.AcquirerProxy;
import io.forkj.multiprocessing.JoinableQueue;
import io.forkj.multiprocessing.Manager;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.Pool;
import io.forkj.multiprocessing.ProcessPoolExecutor;
import io.forkj.multiprocessing.Queue;
import io.forkj.multiprocessing.SerializableBiFunction;
import io.forkj.multiprocessing.SerializableCallable;
import io.forkj.multiprocessing.TasksLostException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The multiprocessing demos of the seed lessons: queues, pools, executors and managers (issue 15), in tour order. */
public final class QueueDemos {
    private static final List<Demo> ALL = List.of(new QueueOfThree(), new RequestHandle(), new ProducerConsumer(),
            new JoinableProducerConsumer(), new JoinableLostTask(), new PoolApplyAsync(), new Executor(), new ManagerDictList(),
            new ManagerRLockPool());

    private QueueDemos() {
    }

    /** These demos in tour order. */
    public static List<Demo> all() {
        return ALL;
    }

    private static long pid() {
        return ProcessHandle.current().pid();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Seed 000: Queue(3), put three, full(), get three, empty(). */
    static final class QueueOfThree implements Demo {
        @Override
        public String name() {
            return "mp-queue";
        }

        @Override
        public List<String> explanation() {
            return List.of("Queue(3) holds three messages in shared memory; a fourth put would wait, a get on empty too.",
                    "Look for true (full), the three items in FIFO order, then true (empty).");
        }

        @Override
        public int run() {
            try (Queue<Object> q = new Queue<>(3)) {
                q.put("hello");
                q.put(Map.of("a", 1));
                q.put(List.of(3, 3, 3));
                System.out.println(q.full());
                System.out.println(q.get());
                System.out.println(q.get());
                System.out.println(q.get());
                System.out.println(q.empty());
                return q.empty() ? 0 : 1;
            }
        }
    }

    /** Seed 001 "queue-request-handle": one process puts two requests, another answers them. */
    static final class RequestHandle implements Demo {
        @Override
        public String name() {
            return "mp-queue-request";
        }

        @Override
        public List<String> explanation() {
            return List.of("request() puts two (x, y) pairs on a Queue(3); handle() gets them with a 2 s timeout and adds.",
                    "Look for two lines x + y = z from the handling process; Queue.Empty after 2 s ends it.");
        }

        @Override
        public int run() throws Exception {
            Queue<int[]> q = new Queue<>(3);
            MpProcess p1 = new MpProcess(() -> {
                Random random = new Random();
                for (int i = 0; i < 2; i++) {
                    q.put(new int[] {random.nextInt(101), random.nextInt(101)});
                }
            });
            MpProcess p2 = new MpProcess(() -> {
                while (true) {
                    int[] xy;
                    try {
                        xy = q.get(true, 2, TimeUnit.SECONDS);
                    } catch (Queue.Empty e) {
                        break;
                    }
                    System.out.printf("%d + %d = %d%n", xy[0], xy[1], xy[0] + xy[1]);
                }
            });
            p1.start();
            p2.start();
            p1.join();
            p2.join();
            q.close();
            return p1.exitCode().orElse(-1) == 0 && p2.exitCode().orElse(-1) == 0 ? 0 : 1;
        }
    }

    /** Seed 000/004: 包子 producers and consumers, ended with a null sentinel per consumer. */
    static final class ProducerConsumer implements Demo {
        @Override
        public String name() {
            return "mp-producer-consumer";
        }

        @Override
        public List<String> explanation() {
            return List.of("Two producers put 包子 on a Queue; two consumers eat until they get None (null), sent once"
                    + " per consumer after the producers are done.", "Look for every 包子 made once and eaten once.");
        }

        @Override
        public int run() throws Exception {
            Queue<String> q = new Queue<>();
            List<MpProcess> producers = new ArrayList<>();
            for (String food : List.of("包子", "馒头")) {
                producers.add(new MpProcess(() -> {
                    for (int i = 0; i < 3; i++) {
                        sleep(100);
                        String res = food + i;
                        q.put(res);
                        System.out.println(pid() + " 生产了 " + res);
                    }
                }));
            }
            List<MpProcess> consumers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                consumers.add(new MpProcess(() -> {
                    while (true) {
                        String res = q.get();
                        if (res == null) {
                            break;
                        }
                        sleep(150);
                        System.out.println(pid() + " 吃 " + res);
                    }
                }));
            }
            producers.forEach(MpProcess::start);
            consumers.forEach(MpProcess::start);
            for (MpProcess p : producers) {
                p.join();
            }
            for (int c = 0; c < consumers.size(); c++) {
                q.put(null);
            }
            for (MpProcess c : consumers) {
                c.join();
            }
            System.out.println("主");
            q.close();
            return 0;
        }
    }

    /** Seed 000/003: the same with a JoinableQueue, task_done and daemon consumers. */
    static final class JoinableProducerConsumer implements Demo {
        @Override
        public String name() {
            return "mp-joinable-queue";
        }

        @Override
        public List<String> explanation() {
            return List.of("Producers put and then join() the JoinableQueue: they return once consumers called"
                    + " taskDone() for every item.", "Consumers are daemons: they end with the main process after 主.");
        }

        @Override
        public int run() throws Exception {
            JoinableQueue<String> q = new JoinableQueue<>();
            List<MpProcess> producers = new ArrayList<>();
            for (String food : List.of("包子", "骨头", "泔水")) {
                producers.add(new MpProcess(() -> {
                    for (int i = 0; i < 2; i++) {
                        sleep(100);
                        String res = food + i;
                        q.put(res);
                        System.out.println(pid() + " 生产了 " + res);
                    }
                    q.join();
                }));
            }
            List<MpProcess> consumers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                MpProcess consumer = new MpProcess(() -> {
                    while (true) {
                        String res = q.get();
                        sleep(100);
                        System.out.println(pid() + " 吃 " + res);
                        q.taskDone();
                    }
                });
                consumer.daemon(true);
                consumers.add(consumer);
            }
            producers.forEach(MpProcess::start);
            consumers.forEach(MpProcess::start);
            for (MpProcess p : producers) {
                p.join();
            }
            System.out.println("主 (unfinished tasks: " + q.unfinishedTasks() + ")");
            for (MpProcess c : consumers) {
                c.terminate();
                c.join();
            }
            q.close();
            return 0;
        }
    }

    /** Beyond the seeds: the JoinableQueue's consumer killed between get and taskDone, where CPython's join hangs. */
    static final class JoinableLostTask implements Demo {
        @Override
        public String name() {
            return "mp-joinable-lost-task";
        }

        @Override
        public List<String> explanation() {
            return List.of("A consumer gets task-1 and is killed (SIGKILL) before taskDone(): CPython's join() would"
                    + " wait for ever.", "forkj's join() finds the dead consumer in /proc, takes its task off the count"
                    + " and says so (TasksLostException); join() again returns once another consumer did the rest.");
        }

        @Override
        public int run() throws Exception {
            JoinableQueue<String> q = new JoinableQueue<>();
            Queue<Long> took = new Queue<>();
            q.put("task-1");
            MpProcess doomed = new MpProcess(() -> {
                String task = q.get();
                System.out.println(pid() + " took " + task + " and never finishes it");
                took.put(pid());
                Thread.sleep(Long.MAX_VALUE);
            });
            doomed.start();
            long victim = took.get();
            q.put("task-2");
            q.put("task-3");
            MpProcess worker = new MpProcess(() -> {
                while (true) {
                    String task = q.get();
                    System.out.println(pid() + " did " + task);
                    q.taskDone();
                }
            });
            worker.daemon(true);
            worker.start();
            doomed.kill();
            doomed.join();
            System.out.println("killed " + victim + " (exit code " + doomed.exitCode().orElseThrow() + ")");
            try {
                q.join();
                System.out.println("join() returned: task-1 counted as done?");
            } catch (TasksLostException lost) {
                System.out.println("join(): " + lost.getMessage());
            }
            q.join();
            System.out.println("join() again returned: unfinished tasks " + q.unfinishedTasks());
            worker.terminate();
            worker.join();
            q.close();
            took.close();
            return 0;
        }
    }

    /** Seed 001 "pool-apply-async": Pool(4), four Hello tasks, close, join. */
    static final class PoolApplyAsync implements Demo {
        @Override
        public String name() {
            return "mp-pool";
        }

        @Override
        public List<String> explanation() {
            return List.of("Pool(4) runs four apply_async tasks at once in four reused worker processes.",
                    "Look for Hello 0..3 in any order, each from a worker pid, and their ctime() results.");
        }

        @Override
        public int run() throws Exception {
            List<CompletableFuture<String>> results = new ArrayList<>();
            try (Pool pool = new Pool(4)) {
                for (int i = 0; i < 4; i++) {
                    String msg = "Hello " + i;
                    results.add(pool.applyAsync(() -> {
                        sleep(1000);
                        System.out.println(msg + " (worker " + pid() + ")");
                        return LocalTime.now().toString();
                    }));
                }
            }
            for (CompletableFuture<String> r : results) {
                System.out.println("r.get() = " + r.get());
            }
            return 0;
        }
    }

    /** Seed 002: ProcessPoolExecutor submit/result, shutdown(wait), add_done_callback, map. */
    static final class Executor implements Demo {
        @Override
        public String name() {
            return "mp-executor";
        }

        @Override
        public List<String> explanation() {
            return List.of("A ProcessPoolExecutor(4) is a java.util.concurrent.ExecutorService of processes: submit,"
                    + " done-callbacks (run in the main process), map, shutdown.",
                    "Look for 执行 lines from workers, then callbacks printing results in the main process.");
        }

        @Override
        public int run() throws Exception {
            long main = pid();
            try (ProcessPoolExecutor pool = new ProcessPoolExecutor(4)) {
                for (int i = 0; i < 8; i++) {
                    int num = i;
                    CompletableFuture<Integer> fur = pool.submit((SerializableCallable<Integer>) () -> {
                        System.out.println("执行 " + num + " in worker " + pid());
                        sleep(200);
                        return num;
                    });
                    fur.whenComplete((res, error) -> System.out.println("done callback in "
                            + (pid() == main ? "main process" : "pid " + pid()) + ": result " + res));
                }
                List<Integer> doubled = new ArrayList<>();
                pool.map((Integer x) -> x * 2, List.of(1, 2, 3)).forEachRemaining(doubled::add);
                System.out.println("map: " + doubled);
                System.out.println("submit(...).get(): " + pool.submit((SerializableCallable<String>) () -> "result").get());
            }
            System.out.println(1);
            return 0;
        }
    }

    /** Seed 002 "Server process": Manager().dict() and .list() changed by ten processes. */
    static final class ManagerDictList implements Demo {
        @Override
        public String name() {
            return "mp-manager";
        }

        @Override
        public List<String> explanation() {
            return List.of("A Manager's server process holds a dict and a list; ten processes change them through proxies.",
                    "Look for ten keys, ten list items and a count of 10: no update lost.");
        }

        @Override
        public int run() throws Exception {
            try (Manager manager = new Manager()) {
                Map<Object, Object> d = manager.dict();
                List<Integer> l = manager.list();
                d.put("count", 0);
                List<MpProcess> ps = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    int n = i;
                    ps.add(new MpProcess(() -> {
                        d.put(n, "process " + pid());
                        l.add(n);
                        d.merge("count", 1, (SerializableBiFunction<Object, Object, Object>)
                                (a, b) -> (Integer) a + (Integer) b);
                    }));
                }
                ps.forEach(MpProcess::start);
                for (MpProcess p : ps) {
                    p.join();
                }
                Map<Object, Object> copy = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
                copy.putAll(d);
                System.out.println(copy);
                List<Integer> sorted = new ArrayList<>(l);
                sorted.sort(null);
                System.out.println(sorted);
                System.out.println("count = " + d.get("count"));
                return d.get("count").equals(10) && sorted.size() == 10 ? 0 : 1;
            }
        }
    }

    /**
     * Seed 002: "a process lock in a process pool must be the Manager's Lock or RLock" (a multiprocessing.RLock
     * cannot be passed to a pool's tasks). Ten tasks of a ProcessPoolExecutor each take one ticket from f1.txt.
     */
    static final class ManagerRLockPool implements Demo {
        @Override
        public String name() {
            return "mp-manager-rlock";
        }

        @Override
        public List<String> explanation() {
            return List.of("Ten tasks of a ProcessPoolExecutor(4) each take one ticket from f1.txt (10 tickets),"
                    + " reading and writing it under manager.rlock(), which is passed to every task.",
                    "Look for 排队抢票了 counting down from 10 to 1 and f1.txt ending at 0: no ticket taken twice.");
        }

        @Override
        public int run() throws Exception {
            Path dir = Files.createTempDirectory("forkj-rlock");
            Path tickets = dir.resolve("f1.txt");
            Files.writeString(tickets, "10");
            String file = tickets.toString();
            try (Manager manager = new Manager(); ProcessPoolExecutor pool = new ProcessPoolExecutor(4)) {
                AcquirerProxy lock = manager.rlock();
                List<CompletableFuture<Integer>> bought = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    bought.add(pool.submit((SerializableCallable<Integer>) () -> {
                        System.out.println("开始 in worker " + pid());
                        try (var held = lock.hold()) {                 // with lock:
                            int left = Integer.parseInt(Files.readString(Path.of(file)).strip());
                            System.out.println("排队抢票了: " + left + " left, worker " + pid());
                            sleep(50);
                            Files.writeString(Path.of(file), Integer.toString(left - 1));
                            return left;
                        }
                    }));
                }
                List<Integer> seen = new ArrayList<>();
                for (CompletableFuture<Integer> f : bought) {
                    seen.add(f.get());
                }
                seen.sort(null);
                String left = Files.readString(tickets).strip();
                System.out.println("tickets seen by the ten tasks: " + seen + "; f1.txt now says " + left);
                return "0".equals(left) && seen.equals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)) ? 0 : 1;
            } finally {
                Files.deleteIfExists(tickets);
                Files.deleteIfExists(dir);
            }
        }
    }
}
