package io.forkj.multiprocessing;

import io.forkj.posix.Child;
import io.forkj.posix.ForkStallException;

import java.util.ArrayList;
import java.util.List;

/**
 * Looks at every FORK child of this JVM until it is reaped, so that its stall probe and its deadline hold while
 * nobody joins it: {@link Child#poll()} kills and reaps a child that {@code /proc} proves stalled, or one still
 * running at its deadline. Without it, only a join or a poll looked, and a parent blocked reading a stalled
 * child's pipe waited for ever.
 *
 * <p>One thread, started when a FORK child starts and none runs, ending once no FORK child is left. It opens no
 * fd: {@code ExitWatcher.shared()} would do the same work, but its wake pipe lives as long as the JVM, and a
 * program (or a test) that counts its fds would see two it never asked for.
 */
final class ForkChildGuard {
    /** Often enough that a stall is recognised within about twice this, rarely enough to cost nothing. */
    private static final long SWEEP_MILLIS = 50;
    private static final List<Child> WATCHED = new ArrayList<>();
    private static Thread sweeper;

    private ForkChildGuard() {
    }

    /** Watches {@code child} until it is reaped, by this guard or by anyone else. */
    static void watch(Child child) {
        synchronized (WATCHED) {
            WATCHED.add(child);
            if (sweeper == null) {
                startSweeper();
            }
        }
    }

    /** Called with {@link #WATCHED}'s lock held. */
    private static void startSweeper() {
        sweeper = new Thread(ForkChildGuard::sweep, "forkj-fork-child-guard");
        sweeper.setDaemon(true);
        sweeper.start();
    }

    private static void sweep() {
        try {
            sweepUntilIdle();
        } finally {
            // Ended by an Error (a normal end has cleared it): a sweeper recorded but dead would never be replaced,
            // and the children still watched would have no stall looked for. A new one begins with a sleep.
            synchronized (WATCHED) {
                if (sweeper == Thread.currentThread()) {
                    sweeper = null;
                    if (!WATCHED.isEmpty()) {
                        startSweeper();
                    }
                }
            }
        }
    }

    private static void sweepUntilIdle() {
        while (true) {
            try {
                Thread.sleep(SWEEP_MILLIS);
            } catch (InterruptedException e) {
                // Only a JVM-wide interrupt reaches a daemon thread; the children keep their deadline for joins.
                synchronized (WATCHED) {
                    sweeper = null;
                }
                return;
            }
            Child[] now;
            synchronized (WATCHED) {
                if (WATCHED.isEmpty()) {
                    sweeper = null; // under the lock that watch() takes: a child added now starts a new sweeper
                    return;
                }
                now = WATCHED.toArray(new Child[0]);
            }
            for (Child child : now) {
                if (ended(child)) {
                    synchronized (WATCHED) {
                        WATCHED.remove(child);
                    }
                }
            }
        }
    }

    /** Polls once: true once the child is reaped, killed as stalled, or no longer this process's to reap. */
    private static boolean ended(Child child) {
        try {
            return child.poll().isPresent();
        } catch (ForkStallException stalled) {
            // Killed and reaped; join() and exitCode() report it.
            return true;
        } catch (RuntimeException notOursAnyMore) {
            // ECHILD: SIGCHLD is ignored and the kernel reaped it; join() reports that.
            return true;
        }
    }
}
