package io.forkj.examples.mp;

import io.forkj.examples.demos.Demo;
import io.forkj.multiprocessing.Context;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.Target;

import java.io.BufferedWriter;
import java.io.FileWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/** The multiprocessing demos of the seed lessons: processes, start methods and Pipe (issue 13), in tour order. */
public final class ProcessDemos {
    private static final List<Demo> ALL = List.of(
            demo("mp-process", ProcessDemos::process,
                    "Python's Process(target=task, args=('子进程1',)): a Java function with an argument runs in a new process.",
                    "Look for 主 first: start() returns at once and the child runs on its own."),
            demo("mp-subclass", ProcessDemos::subclass,
                    "class MyProcess(Process) with run(): a subclass of MpProcess overrides run().",
                    "Look for the child's name set in the constructor, printed by run() in the child."),
            demo("mp-join", ProcessDemos::join,
                    "join() waits for a child; three children started together overlap, joined one by one they do not.",
                    "Look for the parent id the child prints, and 并发 taking about the longest task, 串行 the sum."),
            demo("mp-terminate", ProcessDemos::terminate,
                    "terminate() sends SIGTERM; is_alive() may still say True right after it, False once reaped.",
                    "Look for True, then 开始, then False and exit code -15 (killed by signal 15)."),
            demo("mp-daemon", ProcessDemos::daemon,
                    "daemon=True children end when their parent ends: at its normal exit, and in forkj also when it is SIGKILLed.",
                    "Look for main------- and 456/end456 but no end123; then the daemon gone after its parent's SIGKILL."),
            demo("mp-daemon-children", ProcessDemos::daemonChildren,
                    "A daemon process may not start children of its own (Python: AssertionError).",
                    "Look for the exception 'daemonic processes are not allowed to have children' and exit code 1."),
            demo("mp-copy", ProcessDemos::copy,
                    "001's a = 1: the child sets a = 10000 in its copy of memory; the parent's a stays 1.",
                    "Look for a = 10000 in the child and parent a: 1 after join."),
            demo("mp-start-methods", ProcessDemos::startMethods,
                    "The same target under FORK (a copy of this JVM), SPAWN (a fresh JVM) and STANDBY (a JVM started ahead).",
                    "Look for the start-up time of each: FORK and STANDBY in milliseconds, SPAWN a JVM start."),
            demo("mp-fork-snapshot", ProcessDemos::forkSnapshot,
                    "002 示例1: a FORK child sees the parent's list as it was at start(), not before or after.",
                    "Look for [] then [123] then [], as in the Python lesson."),
            demo("mp-fork-buffer", ProcessDemos::forkBuffer,
                    "002 示例2: an unflushed file buffer is copied into a FORK child, so its text is written twice.",
                    "Look for 武沛齐 twice in the first file and once in the second (flushed before start())."),
            demo("mp-fork-lock", ProcessDemos::forkLock,
                    "002: a thread lock held at start() is held in the FORK child too (拷贝的锁也是被申请走的状态).",
                    "Look for locked=true in the child, and a lock held by another thread that nobody in the child can release."),
            demo("mp-spawn-refusal", ProcessDemos::spawnRefusal,
                    "SPAWN serializes the target (Python pickles it): a file object or a thread lock cannot cross, and is named.",
                    "Look for java.io.FileWriter and java.util.concurrent.locks.ReentrantLock named in the refusals."),
            new PipeDemo());

    /** Python's module-level {@code a = 1} of 001's mp-copy program. */
    static int a = 1;

    private ProcessDemos() {
    }

    /** These demos in tour order. */
    public static List<Demo> all() {
        return ALL;
    }

    private static Demo demo(String name, Demo.Body body, String what, String lookFor) {
        return Demo.of(name, what, lookFor, body);
    }

    /** This process's pid; not {@code ProcessHandle.current()}, which a FORK child inherits cached from its parent. */
    private static long pid() {
        return Multiprocessing.currentProcess().pid();
    }

    private static long ppid() {
        return Multiprocessing.parentProcess().map(MpProcess::pid).orElse(-1);
    }

    // ---- 000: creating processes

    static void task(String name) throws InterruptedException {
        System.out.println(name + " is running");
        Thread.sleep(300);
        System.out.println(name + " is done");
    }

    private static int process() throws Exception {
        MpProcess p = new MpProcess(Target.of(ProcessDemos::task, "子进程1"));
        p.start();
        System.out.println("主");
        p.join();
        System.out.println("(子进程 " + p.pid() + " exit code " + p.exitCode().getAsInt() + ", start method "
                + p.startMethod() + ")");
        return p.exitCode().getAsInt();
    }

    /** 000's {@code class MyProcess(Process)}: the name is set in the constructor, run() is the child's body. */
    static final class MyProcess extends MpProcess {
        private static final long serialVersionUID = 1L;

        MyProcess(String name) {
            super(name);
        }

        @Override
        public void run() throws InterruptedException {
            System.out.println(name() + " is running");
            Thread.sleep(300);
            System.out.println(name() + " is done");
        }
    }

    private static int subclass() throws Exception {
        MyProcess p = new MyProcess("子进程");
        p.start();
        System.out.println("主");
        p.join();
        return p.exitCode().getAsInt();
    }

    static void pidTask() throws InterruptedException {
        System.out.println(pid() + " is running, parent id is <" + ppid() + ">");
        Thread.sleep(200);
        System.out.println(pid() + " is done, parent id is <" + ppid() + ">");
    }

    static void sleeper(String name, int millis) throws InterruptedException {
        System.out.println(name + " is running");
        Thread.sleep(millis);
    }

    private static int join() throws Exception {
        MpProcess p = new MpProcess(ProcessDemos::pidTask);
        p.start();
        p.join();
        System.out.println("主进程 " + pid() + " parent ID " + ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L));
        System.out.println(p.pid());
        int[] millis = {1000, 600, 400};
        long start = System.nanoTime();
        List<MpProcess> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.add(new MpProcess(Target.of(ProcessDemos::sleeper, "子进程" + (i + 1), millis[i])));
        }
        for (MpProcess c : all) {
            c.start();
        }
        for (MpProcess c : all) {
            c.join();
        }
        double concurrent = (System.nanoTime() - start) / 1e9;
        System.out.printf("并发 (start all, then join all): 主进程 %.2f s%n", concurrent);
        start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            MpProcess c = new MpProcess(Target.of(ProcessDemos::sleeper, "子进程" + (i + 1), millis[i]));
            c.start();
            c.join();
        }
        double serial = (System.nanoTime() - start) / 1e9;
        System.out.printf("串行 (start, join, one by one): 主进程 %.2f s%n", serial);
        return p.exitCode().getAsInt() == 0 && concurrent < serial ? 0 : 1;
    }

    /** 000's Piao: prints, sleeps 1 to 4 s, prints. */
    static final class Piao extends MpProcess {
        private static final long serialVersionUID = 1L;

        Piao(String name) {
            super(name);
        }

        @Override
        public void run() throws InterruptedException {
            System.out.println(name() + " is piaoing");
            Thread.sleep(1000 + (long) (Math.random() * 3000));
            System.out.println(name() + " is piao end");
        }
    }

    private static int terminate() throws Exception {
        Piao p1 = new Piao("egon1");
        p1.start();
        p1.terminate();
        System.out.println(p1.isAlive());
        System.out.println("开始");
        p1.join();
        System.out.println(p1.isAlive());
        System.out.println("exit code " + p1.exitCode().getAsInt());
        return !p1.isAlive() && p1.exitCode().getAsInt() == -15 ? 0 : 1;
    }

    // ---- 000: daemons

    static void foo() throws InterruptedException {
        System.out.println(123);
        Thread.sleep(1000);
        System.out.println("end123");
    }

    static void bar() throws InterruptedException {
        System.out.println(456);
        Thread.sleep(1500);
        System.out.println("end456");
    }

    /** 000's exercise, run as a main process of its own so that its end can be shown. */
    static void fooBarMain() {
        MpProcess p1 = new MpProcess(ProcessDemos::foo);
        MpProcess p2 = new MpProcess(ProcessDemos::bar);
        p1.daemon(true);
        p1.start();
        p2.start();
        System.out.println("main-------");
        // Returning ends this process normally: its daemon p1 is terminated, its non-daemon p2 joined.
    }

    /** A main process that starts a daemon sleeper, writes its pid to {@code file}, and waits to be killed. */
    static void daemonHolder(String file) throws Exception {
        MpProcess d = new MpProcess(() -> Thread.sleep(600_000)).daemon(true);
        d.start();
        Files.writeString(Path.of(file), Integer.toString(d.pid()));
        Thread.sleep(600_000);
    }

    private static int daemon() throws Exception {
        System.out.println("-- a main process (itself a child here) runs the lesson's foo/bar program:");
        MpProcess main = new MpProcess(ProcessDemos::fooBarMain, "主进程");
        main.start();
        main.join();
        System.out.println("-- its daemon child was terminated when it ended: no end123. forkj goes further:");
        Path file = Files.createTempFile("forkj-daemon", ".pid");
        // The daemon is orphaned when its parent dies: as a subreaper this JVM adopts it and reaps it, so it does
        // not stay a zombie of whoever else would adopt it.
        boolean wasSubreaper = io.forkj.signals.Subreaper.isEnabled();
        io.forkj.signals.Subreaper.enable();
        try {
            MpProcess holder = new MpProcess(Target.of(ProcessDemos::daemonHolder, file.toString()), "holder");
            holder.start();
            boolean written = await(Duration.ofSeconds(60), () -> size(file) > 0);
            int daemonPid = written ? Integer.parseInt(Files.readString(file).trim()) : -1;
            System.out.println("holder " + holder.pid() + " started daemon " + daemonPid + "; SIGKILL to holder");
            holder.kill();
            holder.join();
            boolean gone = written && await(Duration.ofSeconds(30), () -> !alive(daemonPid));
            System.out.println("daemon " + daemonPid + " after its parent was SIGKILLed: " + (gone ? "gone" : "still running")
                    + " (parent-death signal; a Python daemon would still be running)");
            if (written) {
                if (!gone) {
                    io.forkj.Posix.get().kill(daemonPid, io.forkj.Signal.SIGKILL);
                }
                io.forkj.Posix.get().waitpid(daemonPid);
            }
            return main.exitCode().getAsInt() == 0 && gone ? 0 : 1;
        } finally {
            if (!wasSubreaper) {
                io.forkj.signals.Subreaper.disable();
            }
            Files.deleteIfExists(file);
        }
    }

    static void daemonStartsChild(String name) throws Exception {
        System.out.println(name + " is running");
        MpProcess p = new MpProcess(() -> Thread.sleep(3000));
        p.start();
    }

    private static int daemonChildren() throws Exception {
        MpProcess p = new MpProcess(Target.of(ProcessDemos::daemonStartsChild, "子进程"));
        p.daemon(true);
        p.start();
        p.join();
        System.out.println("主进程: the daemon child exited with " + p.exitCode().getAsInt());
        return p.exitCode().getAsInt() == 1 ? 0 : 1;
    }

    // ---- 001: memory is copied

    static void fun() throws InterruptedException {
        Thread.sleep(200);
        System.out.println("子进程事件 " + pid());
        a = 10000;
        System.out.println("a = " + a);
    }

    private static int copy() throws Exception {
        MpProcess p = Multiprocessing.getContext(StartMethod.FORK).process(ProcessDemos::fun);
        p.start();
        Thread.sleep(300);
        System.out.println("这是父进程");
        p.join();
        System.out.println("parent a: " + a);
        return a == 1 && p.exitCode().getAsInt() == 0 ? 0 : 1;
    }

    // ---- 002: start methods and what FORK copies

    static void hello() {
        System.out.println(helloLine());
    }

    /**
     * hello()'s line. {@link #startMethods} builds it once in the parent before its FORK start: a FORK child must run
     * no code this JVM never ran (MpProcess's javadoc), and the first run of this line links a string concatenation
     * and spins the {@code MpProcess::pid} lambda's class. In a tour's JVM, after ~40 demos, that FORK child once
     * stalled in its body on a private futex (a loop run, 2026-11-29).
     */
    static String helloLine() {
        return "  hello from " + Multiprocessing.currentProcess().name() + " (pid " + pid() + ", parent " + ppid() + ")";
    }

    private static int startMethods() throws Exception {
        Multiprocessing.getContext(StartMethod.STANDBY);
        // Stopped (and reaped) even when a start throws, so a failed demo leaves no idle JVM to outlive the tour.
        try {
            helloLine(); // run here, so that the FORK child below runs no code this JVM never ran
            boolean ready = Multiprocessing.awaitStandby(Duration.ofSeconds(120));
            int failed = 0;
            for (StartMethod m : StartMethod.values()) {
                MpProcess p = Multiprocessing.getContext(m).process(ProcessDemos::hello, m.name().toLowerCase() + "-child");
                long t0 = System.nanoTime();
                p.start();
                long started = System.nanoTime();
                p.join();
                long ended = System.nanoTime();
                System.out.printf("%-8s start() %7.1f ms, start to exit %7.1f ms, exit code %d%n", m,
                        (started - t0) / 1e6, (ended - t0) / 1e6, p.exitCode().getAsInt());
                failed += p.exitCode().getAsInt() == 0 ? 0 : 1;
            }
            System.out.println(ready ? "(the STANDBY JVM was started and warmed before the clock started)"
                    : "(the STANDBY JVM was not ready in time: its figure includes its start)");
            return failed;
        } finally {
            Multiprocessing.shutdownStandby();
        }
    }

    private static int forkSnapshot() throws Exception {
        Context fork = Multiprocessing.getContext(StartMethod.FORK);
        int ok = 0;

        System.out.println("-- name = []; start(); the child prints name and appends 123; the parent prints name:");
        List<Integer> name1 = new ArrayList<>();
        System.out.println("parent before start(): " + name1);
        MpProcess p1 = fork.process(() -> {
            System.out.println("child: " + name1);
            name1.add(123);
        });
        p1.start();
        p1.join();
        System.out.println("parent: " + name1 + "   # []");
        ok += name1.isEmpty() ? 1 : 0;

        System.out.println("-- name = []; name.append(123); start(): the child prints name:");
        List<Integer> name2 = new ArrayList<>();
        name2.add(123);
        MpProcess p2 = fork.process(() -> System.out.println("child: " + name2 + "   # [123]"));
        p2.start();
        p2.join();

        System.out.println("-- name = []; start(); name.append(123): the child prints name:");
        List<Integer> name3 = new ArrayList<>();
        MpProcess p3 = fork.process(() -> {
            Thread.sleep(100);
            System.out.println("child: " + name3 + "   # []");
        });
        p3.start();
        name3.add(123);
        p3.join();
        System.out.println("parent: " + name3);
        return ok == 1 && p1.exitCode().getAsInt() == 0 && p2.exitCode().getAsInt() == 0 && p3.exitCode().getAsInt() == 0 ? 0 : 1;
    }

    private static int forkBuffer() throws Exception {
        Path dir = Files.createTempDirectory("forkj-fork-buffer");
        try {
            Context fork = Multiprocessing.getContext(StartMethod.FORK);
            int ok = 0;
            // Run the write and flush paths once in the parent, so the FORK child runs no JDK code for the first time.
            try (Writer warm = new BufferedWriter(new FileWriter("/dev/null", StandardCharsets.UTF_8, true))) {
                warm.write("warm-up\n");
                warm.flush();
            }
            for (boolean flushFirst : new boolean[] {false, true}) {
                Path x1 = dir.resolve(flushFirst ? "x2.txt" : "x1.txt");
                Writer fileObject = new BufferedWriter(new FileWriter(x1.toFile(), StandardCharsets.UTF_8, true));
                fileObject.write("武沛齐\n");
                if (flushFirst) {
                    fileObject.flush();
                }
                MpProcess p = fork.process(() -> {
                    fileObject.write("alex\n");
                    fileObject.flush();
                });
                p.start();
                p.join();
                fileObject.close();
                List<String> lines = Files.readAllLines(x1, StandardCharsets.UTF_8);
                System.out.println((flushFirst ? "flush() before start(): " : "no flush before start(): ")
                        + x1.getFileName() + " = " + lines);
                ok += lines.equals(flushFirst ? List.of("武沛齐", "alex") : List.of("武沛齐", "alex", "武沛齐")) ? 1 : 0;
            }
            return ok == 2 ? 0 : 1;
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static int forkLock() throws Exception {
        Context fork = Multiprocessing.getContext(StartMethod.FORK);
        ReentrantLock lock = new ReentrantLock();
        lock.lock();
        System.out.println("parent: lock.lock() by the main thread; locked=" + lock.isLocked());
        MpProcess p1 = fork.process(() -> System.out.println("child: locked=" + lock.isLocked() + " heldByMe="
                + lock.isHeldByCurrentThread() + " holdCount=" + lock.getHoldCount()
                + "   # held by the child's main thread, the copy of the parent's"));
        p1.start();
        p1.join();
        lock.unlock();

        ReentrantLock other = new ReentrantLock();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            other.lock();
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                other.unlock();
            }
        }, "holder");
        holder.start();
        held.await();
        boolean parentGot = other.tryLock(10, TimeUnit.MILLISECONDS);
        System.out.println("parent: another thread holds a second lock; tryLock(10 ms) in the parent -> " + parentGot);
        MpProcess p2 = fork.process(() -> {
            boolean got = other.tryLock(200, TimeUnit.MILLISECONDS);
            System.out.println("child: locked=" + other.isLocked() + " tryLock(200 ms) -> " + got
                    + "   # its holder thread was not copied: nobody in the child can release it");
            if (got) {
                throw new io.forkj.multiprocessing.SystemExit(3);
            }
        });
        p2.start();
        p2.join();
        release.countDown();
        holder.join();
        return p1.exitCode().getAsInt() == 0 && p2.exitCode().getAsInt() == 0 && !parentGot ? 0 : 1;
    }

    private static int spawnRefusal() throws Exception {
        Context spawn = Multiprocessing.getContext(StartMethod.SPAWN);
        int refused = 0;
        Path tmp = Files.createTempFile("forkj-x1", ".txt");
        try (FileWriter fileObject = new FileWriter(tmp.toFile(), StandardCharsets.UTF_8)) {
            MpProcess p = spawn.process(() -> fileObject.write("alex\n"));
            try {
                p.start();
                p.join();
            } catch (IllegalArgumentException e) {
                System.out.println("file object: " + e.getMessage());
                refused += e.getMessage().contains("java.io.FileWriter") ? 1 : 0;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        ReentrantLock lock = new ReentrantLock();
        MpProcess p = spawn.process(() -> lock.lock());
        try {
            p.start();
            p.join();
        } catch (IllegalArgumentException e) {
            System.out.println("thread lock: " + e.getMessage());
            refused += e.getMessage().contains("java.util.concurrent.locks.ReentrantLock") ? 1 : 0;
        }
        return refused == 2 ? 0 : 1;
    }

    private static boolean alive(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static boolean await(Duration deadline, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }
}
