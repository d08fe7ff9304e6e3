package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.ForkedChild;
import io.forkj.posix.internal.libc.Native;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This process's multiprocessing state: which process it is, its parent, and the children it started and has
 * not yet reaped (Python's {@code _current_process}, {@code _parent_process}, {@code _children}). One instance per
 * process; a FORK or SPAWN child replaces it with its own.
 */
final class Registry {
    private static volatile Registry instance;

    private final MpProcess current;
    private final MpProcess parent;
    private final Set<MpProcess> children = ConcurrentHashMap.newKeySet();
    private final AtomicInteger counter = new AtomicInteger();
    private static volatile boolean hookRegistered;

    private Registry(MpProcess current, MpProcess parent) {
        this.current = current;
        this.parent = parent;
    }

    static Registry get() {
        Registry r = instance;
        if (r == null) {
            synchronized (Registry.class) {
                r = instance;
                if (r == null) {
                    r = new Registry(new MpProcess("MainProcess", Native.posix().getpid(), false), null);
                    instance = r;
                }
            }
        }
        return r;
    }

    /** In a child, before it runs its target: {@code process} is now the current process. */
    static Registry enterChild(MpProcess process, MpProcess parentView, int pid) {
        process.becomeCurrent(pid);
        Registry r = new Registry(process, parentView);
        instance = r;
        return r;
    }

    /** A FORK child's registry, built in the parent so the child allocates nothing for it. */
    static Registry prepareForkedChild(MpProcess process, MpProcess parentView) {
        return new Registry(process, parentView);
    }

    /**
     * In a FORK child: installs the registry prepared before the fork. {@code forReal} false is the parent's
     * warm-up of this path, which changes only the prepared objects.
     */
    static void installForkedChild(Registry r, int pid, boolean forReal) {
        r.current.becomeCurrent(pid);
        if (forReal) {
            ForkedChild.enter();
            instance = r;
        } else {
            // loads and initializes the flag's class here, not in the child
            ForkedChild.active();
        }
    }

    MpProcess current() {
        return current;
    }

    MpProcess parent() {
        return parent;
    }

    /** The next child identity: "3" in the main process, "3:1" in that child, as Python's names go. */
    String nextIdentity() {
        int n = counter.incrementAndGet();
        String mine = current == null ? "" : current.identity();
        return mine.isEmpty() ? Integer.toString(n) : mine + ":" + n;
    }

    void add(MpProcess p) {
        children.add(p);
    }

    void remove(MpProcess p) {
        children.remove(p);
    }

    /** Reaps ended children and returns the live ones: Python's {@code active_children()}. */
    List<MpProcess> activeChildren() {
        cleanup();
        return new ArrayList<>(children);
    }

    /** Forgets children that have ended (reaping them): Python's {@code _cleanup()}. */
    void cleanup() {
        for (MpProcess p : children) {
            if (!p.isAlive()) {
                children.remove(p);
            }
        }
    }

    /** Once per JVM, before the first child: the exit hook (before any fork, so FORK children have it too). */
    void beforeStart() {
        if (!hookRegistered) {
            synchronized (Registry.class) {
                if (!hookRegistered) {
                    Runtime.getRuntime().addShutdownHook(new ExitHook());
                    hookRegistered = true;
                }
            }
        }
    }

    /**
     * Python's {@code util._exit_function}: at normal exit, terminate the daemon children, then wait for every
     * child. Runs in the JVM's shutdown hook; never in a FORK child.
     */
    void exitChildren() {
        List<MpProcess> all = new ArrayList<>(children);
        for (MpProcess p : all) {
            if (p.daemon() && p.isAlive()) {
                p.terminate();
            }
        }
        for (MpProcess p : all) {
            try {
                p.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException stalledOrClosed) {
                // A stalled FORK child was killed; a closed object has nothing left to wait for.
            }
        }
    }

    /**
     * The shutdown hook. It is also the guard against {@code System.exit} in a FORK child: the JVM's exit
     * sequence there would wait for ever for the VM thread the child does not have, so when the hook is started in
     * a FORK child it ends the child at once, explaining why on fd 2. The JVM starts application hooks by
     * calling {@code start()} on the exiting thread, which is why the check is in {@code start()}.
     */
    private static final class ExitHook extends Thread {
        private static final byte[] FORK_EXIT_MESSAGE = ("forkj: System.exit() cannot end a FORK child (the JVM's exit"
                + " sequence waits for the VM thread a forked child does not have); it exits with code 1. Use"
                + " throw new io.forkj.multiprocessing.SystemExit(n) to choose the exit code.\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);

        ExitHook() {
            super("forkj-multiprocessing-exit");
        }

        @Override
        public synchronized void start() {
            if (ForkedChild.active()) {
                Native.libc().write(2, FORK_EXIT_MESSAGE, FORK_EXIT_MESSAGE.length);
                Native.libc()._exit(1);
            }
            super.start();
        }

        @Override
        public void run() {
            if (!ForkedChild.active()) {
                get().exitChildren();
                // The parent-death signal and end-of-file would end idle standby JVMs too, but after this JVM, as
                // orphans of whoever adopts them; stopped here they are reaped before this JVM exits.
                Standby.closeAtExit();
            }
        }
    }
}
