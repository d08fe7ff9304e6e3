package io.forkj.benchmarks;

import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Spawn;
import io.forkj.posix.ExitWatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Child-exit notification through {@link ExitWatcher}, the same shape as the C baseline {@code exit_reap}:
 * N small children ({@code sleep 600}, spawned, each watched through its {@code Child} handle, as
 * {@code Child.onExit()} does) wait; "latency" prints ns from kill() to the future completing,
 * per child; "throughput" kills all N and prints ns until the last future completed, divided by N; "waitpid" is
 * "latency" without the watcher: the facade's kill and a blocking waitpid, what any JVM binding can do at best
 * (the floor the watcher is judged against besides C).
 * usage: ExitLatency latency|throughput|waitpid N
 */
public final class ExitLatency {
    private ExitLatency() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        boolean latency = args[0].equals("latency");
        boolean floor = args[0].equals("waitpid");
        int n = Integer.parseInt(args[1]);
        Posix posix = Posix.get();
        ExitWatcher watcher = ExitWatcher.shared();
        warmUp(posix, watcher, floor);
        Child[] children = new Child[n];
        for (int i = 0; i < n; i++) {
            children[i] = pausedChild();
        }
        Thread.sleep(100);
        if (floor || latency) {
            long[] elapsed = new long[n];
            for (int i = 0; i < n; i++) {
                if (floor) {
                    long t = System.nanoTime();
                    killAndWaitpid(posix, children[i].pid());
                    elapsed[i] = System.nanoTime() - t;
                } else {
                    CompletableFuture<WaitStatus> exit = watcher.watch(children[i]);
                    long t = System.nanoTime();
                    posix.kill(children[i].pid(), Signal.SIGKILL);
                    exit.get(10, TimeUnit.SECONDS);
                    elapsed[i] = System.nanoTime() - t;
                }
            }
            printAfterTheLoop(elapsed);
        } else {
            List<CompletableFuture<WaitStatus>> exits = new ArrayList<>(n);
            for (Child child : children) {
                exits.add(watcher.watch(child));
            }
            long t = System.nanoTime();
            for (Child child : children) {
                posix.kill(child.pid(), Signal.SIGKILL);
            }
            CompletableFuture.allOf(exits.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
            System.out.println((System.nanoTime() - t) / n);
        }
    }

    /**
     * Prints once the timed loop is over, as the C baseline's buffered stdout does: a line printed per kill is a
     * write to the pipe {@code run.sh} reads, which wakes the reader on one of the 2 cores during the next kill.
     */
    private static void printAfterTheLoop(long[] elapsed) {
        StringBuilder out = new StringBuilder(elapsed.length * 8);
        for (long ns : elapsed) {
            out.append(ns).append('\n');
        }
        System.out.print(out);
        System.out.flush();
    }

    /** The floor: what C's {@code exit_reap} does, through the facade. */
    private static void killAndWaitpid(Posix posix, int pid) {
        posix.kill(pid, Signal.SIGKILL);
        posix.waitpid(pid);
    }

    /**
     * A small child, like the C baseline's: a forked JVM child would carry this JVM's resident memory, and
     * tearing that down at exit (about 1 ms for 100 MiB, measured) would swamp the notification cost.
     */
    private static Child pausedChild() {
        return Spawn.exec("sleep", "600");
    }

    /**
     * Runs the measured path until compiled, then lets the compiler threads go idle: C2 compiling beside a timed
     * loop takes one of 2 cores, and a kill + waitpid from Java measured 800 µs that way against 500 µs with
     * {@code -Xint} (200 warm-up rounds were too few).
     */
    private static void warmUp(Posix posix, ExitWatcher watcher, boolean floor) throws Exception {
        for (int i = 0; i < 1000; i++) {
            Child child = pausedChild();
            if (floor) {
                killAndWaitpid(posix, child.pid());
                continue;
            }
            CompletableFuture<WaitStatus> exit = watcher.watch(child);
            posix.kill(child.pid(), Signal.SIGKILL);
            exit.get(10, TimeUnit.SECONDS);
        }
        Thread.sleep(1000);
    }
}
