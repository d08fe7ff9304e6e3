package io.forkj.examples.mp;

import io.forkj.examples.demos.Demo;
import io.forkj.multiprocessing.Array;
import io.forkj.multiprocessing.Event;
import io.forkj.multiprocessing.Lock;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.OwnerDiedException;
import io.forkj.multiprocessing.RawArray;
import io.forkj.multiprocessing.RawValue;
import io.forkj.multiprocessing.Semaphore;
import io.forkj.multiprocessing.Target;
import io.forkj.multiprocessing.Value;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The multiprocessing demos of the seed lessons: shared memory and locks (issue 14), in tour order. Children are
 * {@link MpProcess}es with the default start method (SPAWN). Where the seed relies on sleeps to make processes
 * overlap, the children here wait behind an {@link Event} the parent sets once all have started, so the overlap
 * (and with it the race, or the lock's effect) does not depend on how fast JVMs start on a loaded machine.
 */
public final class SharedMemoryDemos {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final List<Demo> ALL = List.of(
            Demo.of("mp-printer", "Three processes print three lines each with pauses: the lines interleave.",
                    "Look for 进程0/1/2 taking turns line by line: the terminal is shared, nothing orders it.",
                    () -> printer(false)),
            Demo.of("mp-printer-lock", "The same three processes, each holding one Lock while it prints.",
                    "Look for each process's three lines together: the lock made them take turns whole.",
                    () -> printer(true)),
            Demo.of("mp-ticket", "Ten buyers see the one ticket in db.txt and all buy it (000's 抢票 without a lock).",
                    "Look for 购票成功 ten times for one ticket: each read count=1 before anyone wrote.",
                    () -> ticket(false)),
            Demo.of("mp-ticket-lock", "The same ten buyers; buying happens under one Lock.",
                    "Look for one 购票成功: the others read count=0 after the first buyer wrote it.",
                    () -> ticket(true)),
            Demo.of("mp-value", "001's Value('i', 5000): a man adds and a girl takes, 20,000 times each, both by 1.",
                    "Look for a wrong balance without getLock() and exactly 5000 with it (and with atomic getAndAdd).",
                    SharedMemoryDemos::value),
            Demo.of("mp-array", "Array('i', [1,2,3]) and Array('c', b\"hello\") changed by a child.",
                    "Look for the parent seeing the child's changes: b'Hello'.",
                    SharedMemoryDemos::array),
            Demo.of("mp-semaphore", "Semaphore(3): five processes, each holding a permit while it works.",
                    "Look for at most three 执行任务 before a 执行完成, and the peak count of 3.",
                    SharedMemoryDemos::semaphore),
            Demo.of("mp-dead-holder", "A process is killed (SIGKILL) while it holds a Lock: CPython deadlocks here.",
                    "Look for the next acquirer told the dead pid, and the lock working again.",
                    SharedMemoryDemos::deadHolder));

    private SharedMemoryDemos() {
    }

    /** These demos in tour order. */
    public static List<Demo> all() {
        return ALL;
    }

    /** Children wait here until every one of them is ready, so they overlap however slowly JVMs start. */
    private static final class Gate implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final RawValue ready = new RawValue('i', 0);
        private final Event open = new Event();

        void pass() throws InterruptedException {
            ready.incrementAndGet();
            if (!open.await(WAIT)) {
                throw new IllegalStateException("the gate never opened");
            }
        }

        void openWhenReady(int n) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (ready.getLong() < n && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            open.set();
        }
    }

    private static List<MpProcess> startAll(List<Target> targets) {
        List<MpProcess> started = new ArrayList<>();
        for (Target t : targets) {
            MpProcess p = new MpProcess(t);
            p.start();
            started.add(p);
        }
        return started;
    }

    private static boolean joinAll(List<MpProcess> processes) throws InterruptedException {
        boolean ok = true;
        for (MpProcess p : processes) {
            if (!p.join(WAIT)) {
                p.kill();
                p.join();
                ok = false;
            }
            ok &= p.exitCode().orElse(-1) == 0;
        }
        return ok;
    }

    // ---- 000: three processes share one terminal

    private static int printer(boolean locked) throws Exception {
        Lock mutex = new Lock();
        Gate go = new Gate();
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String name = "进程" + i;
            targets.add(() -> {
                go.pass();
                if (locked) {
                    mutex.acquire();
                }
                System.out.println(name + " 第一次");
                Thread.sleep(300);
                System.out.println(name + " 第二次");
                Thread.sleep(300);
                System.out.println(name + " 第三次");
                if (locked) {
                    mutex.release();
                }
            });
        }
        List<MpProcess> processes = startAll(targets);
        go.openWhenReady(targets.size());
        return joinAll(processes) ? 0 : 1;
    }

    // ---- 000: the ticket office with db.txt

    private static int ticket(boolean locked) throws Exception {
        Path dir = Files.createTempDirectory("forkj-ticket");
        Path db = dir.resolve("db.txt");
        Files.writeString(db, "{\"count\": 1}");
        String dbPath = db.toString();
        Lock mutex = new Lock();
        Gate go = new Gate();
        RawValue sold = new RawValue('i', 0);
        List<Target> buyers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String name = "路人" + i;
            buyers.add(() -> {
                go.pass();
                search(name, dbPath);
                if (locked) {
                    try (var held = mutex.hold()) {
                        get(name, dbPath, sold);
                    }
                } else {
                    get(name, dbPath, sold);
                }
            });
        }
        try {
            List<MpProcess> processes = startAll(buyers);
            go.openWhenReady(buyers.size());
            boolean ok = joinAll(processes);
            System.out.println("one ticket, sold " + sold.getInt() + " time(s); db.txt now says "
                    + Files.readString(db));
            return ok && sold.getInt() == (locked ? 1 : 10) ? 0 : 1;
        } finally {
            Files.deleteIfExists(db);
            Files.deleteIfExists(dir);
        }
    }

    private static final Pattern COUNT = Pattern.compile("\"count\": (-?\\d+)");

    private static int count(String dbPath) throws Exception {
        Matcher m = COUNT.matcher(Files.readString(Path.of(dbPath), StandardCharsets.UTF_8));
        if (!m.find()) {
            throw new IllegalStateException("db.txt holds no count");
        }
        return Integer.parseInt(m.group(1));
    }

    /** 查票: look at the tickets left, after a simulated network delay. */
    private static void search(String name, String dbPath) throws Exception {
        Thread.sleep(200);
        System.out.println("<" + name + "> 查看到剩余票数[" + count(dbPath) + "]");
    }

    /** 买票: read, and if a ticket is left, take it and write the new count back after a delay. */
    private static void get(String name, String dbPath, RawValue sold) throws Exception {
        Thread.sleep(200);
        int count = count(dbPath);
        if (count > 0) {
            Thread.sleep(600);
            Files.writeString(Path.of(dbPath), "{\"count\": " + (count - 1) + "}", StandardCharsets.UTF_8);
            sold.incrementAndGet();
            System.out.println("<" + name + "> 购票成功");
        }
    }

    // ---- 001: Value('i', 5000), the man and the girl

    private static int value() throws Exception {
        int times = 20_000;
        int unlocked = account(times, "without getLock()", (money) -> () -> {
            for (int i = 0; i < times; i++) {
                money.set(money.getInt() + 1);
            }
        }, (money) -> () -> {
            for (int i = 0; i < times; i++) {
                money.set(money.getInt() - 1);
            }
        });
        int locked = account(times, "with getLock()", (money) -> () -> {
            for (int i = 0; i < times; i++) {
                try (var held = money.getLock().hold()) {
                    money.set(money.getInt() + 1);
                }
            }
        }, (money) -> () -> {
            for (int i = 0; i < times; i++) {
                try (var held = money.getLock().hold()) {
                    money.set(money.getInt() - 1);
                }
            }
        });
        int atomic = account(times, "with atomic getAndAdd, no lock", (money) -> () -> {
            for (int i = 0; i < times; i++) {
                money.getAndAdd(1);
            }
        }, (money) -> () -> {
            for (int i = 0; i < times; i++) {
                money.getAndAdd(-1);
            }
        });
        System.out.println(unlocked == 5000
                ? "(this time no update was lost without the lock: the race is real but not certain)"
                : "without the lock " + Math.abs(unlocked - 5000) + " was lost or invented by overwritten updates");
        return locked == 5000 && atomic == 5000 ? 0 : 1;
    }

    private interface Role extends java.io.Serializable {
        Target of(Value money);
    }

    private static int account(int times, String how, Role man, Role girl) throws Exception {
        Value money = new Value('i', 5000);
        List<MpProcess> both = startAll(List.of(man.of(money), girl.of(money)));
        if (!joinAll(both)) {
            return -1;
        }
        int balance = money.getInt();
        System.out.println("一月余额 " + how + ": " + balance + " (expected 5000 after +" + times + " and -" + times + ")");
        return balance;
    }

    // ---- 001: Array('i', [1,2,3]) and Array('c', b"hello")

    private static int array() throws Exception {
        Array numbers = new Array('i', new int[] {1, 2, 3});
        Array shm = new Array('c', "hello".getBytes(StandardCharsets.US_ASCII));
        MpProcess child = new MpProcess(() -> {
            for (Object i : shm) {
                System.out.println("child sees " + i);
            }
            shm.set(0, (byte) 'H');
            numbers.set(0, 100);
        });
        child.start();
        boolean ok = joinAll(List.of(child));
        for (Object i : shm) {
            System.out.println(i);
        }
        System.out.println("Array('i'): " + numbers.toList());
        String value = RawArray.bytesRepr(shm.value());
        System.out.println(value);
        return ok && value.equals("b'Hello'") && numbers.getInt(0) == 100 ? 0 : 1;
    }

    // ---- 001: Semaphore(3)

    private static int semaphore() throws Exception {
        Semaphore sem = new Semaphore(3);
        RawValue working = new RawValue('i', 0);
        RawValue peak = new RawValue('i', 0);
        Gate go = new Gate();
        List<Target> tasks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            tasks.add(() -> {
                go.pass();
                sem.acquire();
                long now = working.incrementAndGet();
                long seen = peak.getLong();
                while (now > seen && !peak.compareAndSet(seen, now)) {
                    seen = peak.getLong();
                }
                System.out.println(ProcessHandle.current().pid() + " 执行任务");
                Thread.sleep(700);
                System.out.println(ProcessHandle.current().pid() + " 执行完成");
                working.getAndAdd(-1);
                sem.release();
            });
        }
        List<MpProcess> processes = startAll(tasks);
        go.openWhenReady(tasks.size());
        boolean ok = joinAll(processes);
        System.out.println("at most " + peak.getInt() + " worked at once; sem.getValue() = " + sem.getValue());
        return ok && peak.getInt() == 3 && sem.getValue() == 3 ? 0 : 1;
    }

    // ---- the case CPython deadlocks on

    private static int deadHolder() throws Exception {
        Lock lock = new Lock();
        RawValue holding = new RawValue('i', 0);
        MpProcess holder = new MpProcess(() -> {
            lock.acquire();
            // Printed before the flag the parent waits for: the parent kills the holder as soon as it sees the
            // flag, and at load 20 that kill came before a line printed after it.
            System.out.println("holder " + ProcessHandle.current().pid() + " took the lock and hangs");
            holding.set(1);
            Thread.sleep(600_000);
        });
        holder.start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (holding.getInt() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        holder.kill();
        holder.join(WAIT);
        System.out.println("holder " + holder.pid() + " killed, exit code " + holder.exitCode().orElse(0)
                + ", while holding the lock");
        int reported = 0;
        long start = System.nanoTime();
        try {
            lock.acquire();
            System.out.println("acquired with no report: wrong");
            lock.release();
        } catch (OwnerDiedException e) {
            reported = e.deadPid();
            System.out.println("next acquirer, after " + (System.nanoTime() - start) / 1_000_000 + " ms: "
                    + e.getMessage());
        }
        boolean usable = lock.acquire(true, Duration.ofSeconds(10));
        System.out.println("acquired again: " + usable);
        if (usable) {
            lock.release();
        }
        return reported == holder.pid() && usable ? 0 : 1;
    }
}
