package io.forkj.multiprocessing;

import io.forkj.PosixException;
import io.forkj.Signal;
import io.forkj.multiprocessing.internal.ChildMain;
import io.forkj.multiprocessing.internal.FdPassing;
import io.forkj.multiprocessing.internal.JvmCommand;
import io.forkj.multiprocessing.internal.Payload;
import io.forkj.posix.internal.fork.Starter;
import io.forkj.posix.Child;
import io.forkj.posix.Spawn;
import io.forkj.posix.internal.libc.Native;

import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The STANDBY start method: idle JVMs ({@link ChildMain} in standby mode) started ahead of time, each holding one
 * end of a unix socket pair. {@link #handOff} sends one of them the serialized process object and the fds it
 * exports ({@code SCM_RIGHTS}) and starts a replacement in the background. Idle JVMs are started from the
 * long-lived {@link Starter} thread with the parent-death signal armed, and also exit on end-of-file on their
 * socket, so none outlives this JVM; at a normal exit the multiprocessing exit hook also reaps them, so none is
 * left for a subreaper (or init) to find. Python's forkserver plays this role in CPython.
 */
final class Standby {
    /** How long a hand-off waits for an idle JVM to finish starting. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    /** Standby JVMs that may fail to become ready in a row before a start gives up, instead of starting more. */
    private static final int FAILED_STARTS = 3;
    private static Standby pool;
    private static int defaultCount = 1;
    private static boolean exiting;

    private final int count;
    private final Deque<Idle> idle = new ArrayDeque<>();
    private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "forkj-standby-ready");
        t.setDaemon(true);
        return t;
    });
    private boolean closed;

    /** One idle JVM: its handle, the parent's end of its socket, and whether it has said it is ready. */
    private static final class Idle {
        final Child child;
        final int socket;
        final CompletableFuture<Boolean> ready = new CompletableFuture<>();

        Idle(Child child, int socket) {
            this.child = child;
            this.socket = socket;
        }
    }

    private Standby(int count) {
        this.count = count;
    }

    /** The JVM-wide pool, created (and filled) on first use. */
    static synchronized Standby pool() {
        if (pool == null) {
            if (exiting) {
                throw new IllegalStateException("the JVM is exiting: no standby JVM is started any more");
            }
            Registry.get().beforeStart(); // its exit hook stops the pool
            pool = new Standby(defaultCount);
            pool.fill();
        }
        return pool;
    }

    /** Sets how many idle JVMs the pool keeps; an existing pool is replaced. */
    static void setCount(int n) {
        if (n < 1 || n > 64) {
            throw new IllegalArgumentException("standby count " + n + " must be within 1..64");
        }
        Standby old;
        synchronized (Standby.class) {
            defaultCount = n;
            old = detach();
        }
        if (old != null) {
            old.close(Duration.ofSeconds(30));
        }
    }

    /** Takes the JVM-wide pool away (null if there is none): the next start makes a new one. */
    private static synchronized Standby detach() {
        Standby old = pool;
        pool = null;
        return old;
    }

    static synchronized int count() {
        return defaultCount;
    }

    /** Closes the JVM-wide pool if there is one: idle JVMs see end-of-file and exit; they are reaped. */
    static void closeAll() {
        Standby old = detach();
        if (old != null) {
            old.close(Duration.ofSeconds(30));
        }
    }

    /**
     * For the exit hook: SIGKILLs the idle JVMs and reaps them, and refuses a new pool from then on. An idle JVM holds
     * no task and writes no file (no hsperfdata), so nothing is lost, and the exit does not wait for JVMs to exit
     * on end-of-file (that cost ~10 ms per exit here, 15 → 25 ms median over 10 pairs).
     */
    static void closeAtExit() {
        Standby old;
        synchronized (Standby.class) {
            exiting = true;
            old = detach();
        }
        if (old != null) {
            old.kill();
            old.close(Duration.ofSeconds(1));
        }
    }

    /** SIGKILLs every idle JVM (their readers then see end-of-file; {@link #close} reaps them). */
    private void kill() {
        List<Idle> all;
        synchronized (this) {
            all = new ArrayList<>(idle);
        }
        for (Idle s : all) {
            killQuietly(s);
        }
    }

    /** SIGKILLs {@code s} unless it has ended; one reaped meanwhile is no error. */
    private static void killQuietly(Idle s) {
        try {
            if (s.child.status().isEmpty()) {
                s.child.kill(Signal.SIGKILL);
            }
        } catch (RuntimeException reaped) {
            // it ended and was reaped meanwhile
        }
    }

    /** Waits until every idle JVM of the pool has said it is ready (benchmarks and tests). */
    boolean awaitReady(Duration timeout) throws InterruptedException {
        List<Idle> now;
        synchronized (this) {
            now = new ArrayList<>(idle);
        }
        long end = System.nanoTime() + timeout.toNanos();
        for (Idle i : now) {
            try {
                i.ready.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return false;
            }
        }
        return now.size() >= count;
    }

    /**
     * Hands {@code process} to an idle JVM and returns that JVM's handle.
     *
     * @throws IllegalArgumentException if the process cannot be serialized (before any JVM is used)
     */
    Child handOff(MpProcess process) {
        Payload payload = Payload.of(process, process.name());
        byte[] header = payload.header();
        for (int attempt = 0; ; attempt++) {
            Idle s = take();
            try {
                FdPassing.send(s.socket, header, payload.fds());
                FdPassing.writeAll(s.socket, payload.body(), 0);
            } catch (PosixException deadStandby) {
                discard(s);
                if (attempt >= 2) {
                    throw deadStandby;
                }
                continue;
            } finally {
                Native.posix().close(s.socket);
                readers.submit(this::fill);
            }
            // The exported fds are sent now; until here the objects owning them must not be garbage (a dropped
            // one's fd is closed by the collector, SharedSegment.Resources), and the process object holds them all.
            Reference.reachabilityFence(process);
            return s.child;
        }
    }

    /** The oldest idle JVM once it is ready; starts one now if there is none. */
    private Idle take() {
        int failed = 0;
        while (true) {
            Idle s;
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the standby pool is closed");
                }
                s = idle.pollFirst();
            }
            if (s == null) {
                s = startOne();
            }
            boolean ok;
            Throwable failure = null;
            try {
                ok = s.ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                discardClosing(s);
                throw new IllegalStateException("interrupted while waiting for a standby JVM", e);
            } catch (ExecutionException e) {
                ok = false;
                failure = e.getCause();
            } catch (TimeoutException e) {
                ok = false;
                failure = e;
            }
            if (ok) {
                return s;
            }
            discardClosing(s);
            if (++failed == FAILED_STARTS) {
                String last = failure instanceof TimeoutException ? "not ready within " + READY_TIMEOUT.toSeconds() + " s"
                        : failure != null ? "its ready reader failed: " + failure
                        : "ended before it was ready: " + s.child.status().map(Object::toString).orElse("still running");
                IllegalStateException e = new IllegalStateException(FAILED_STARTS + " standby JVMs in a row did not"
                        + " become ready (the last " + last + "); see their stderr");
                if (failure != null) {
                    e.initCause(failure);
                }
                throw e;
            }
        }
    }

    /** Tops the pool up to its count (runs on a reader thread). */
    private void fill() {
        while (true) {
            synchronized (this) {
                if (closed || idle.size() >= count) {
                    return;
                }
            }
            Idle s = startOne();
            synchronized (this) {
                if (closed) {
                    discardClosing(s);
                    return;
                }
                idle.addLast(s);
            }
        }
    }

    /** Starts one idle JVM from the starter thread and a reader that waits for its ready byte. */
    private Idle startOne() {
        int[] pair = FdPassing.socketPair();
        Child child;
        try {
            Spawn spawn = Spawn.command(JvmCommand.child(ChildMain.MODE_STANDBY, Integer.toString(pair[1]),
                    Integer.toString(Native.posix().getpid()), Registry.get().current().name())).passFds(pair[1]);
            child = Starter.call(spawn::exec);
        } catch (RuntimeException e) {
            Native.posix().close(pair[0]);
            throw e;
        } finally {
            Native.posix().close(pair[1]);
        }
        Idle s = new Idle(child, pair[0]);
        readers.submit(() -> {
            try {
                byte[] one = new byte[1];
                long n;
                do {
                    n = Native.posix().read(s.socket, one, 1);
                } while (n < 0 && Native.errno() == 4);
                s.ready.complete(n == 1 && one[0] == ChildMain.READY);
            } catch (Throwable t) {
                // an Error too: take() must not wait READY_TIMEOUT for a future nobody will complete
                s.ready.completeExceptionally(t);
                throw t;
            }
        });
        return s;
    }

    private void discardClosing(Idle s) {
        // Closing while the reader may still block in read() is unsafe (the fd number could be reused): end the
        // JVM first, which ends the read with EOF, then close.
        discard(s);
        try {
            s.ready.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the socket is closed anyway below
        }
        Native.posix().close(s.socket);
    }

    /** Kills a standby JVM that failed, and reaps it. */
    private static void discard(Idle s) {
        killQuietly(s);
        try {
            s.child.waitFor(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException alreadyGone) {
            // reaped meanwhile
        }
    }

    /**
     * Closes the idle JVMs' sockets (a ready one exits on end-of-file) and reaps them. One still starting holds no
     * task and is killed at once rather than waited for; one that has not exited within {@code timeout} is killed.
     * A replacement being started meanwhile sees {@code closed} and discards itself on its reader thread, which this
     * waits for too, so none is left to outlive this JVM.
     */
    void close(Duration timeout) {
        List<Idle> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(idle);
            idle.clear();
        }
        for (Idle s : all) {
            if (!s.ready.isDone()) {
                killQuietly(s);
            }
            try {
                // The reader may be blocked in read() on the socket: close it only once the reader is done (a kill
                // ends that read with end-of-file), or the fd number could be reused under it.
                s.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                s.child.kill(Signal.SIGKILL);
            }
            Native.posix().close(s.socket);
        }
        for (Idle s : all) {
            try {
                if (s.child.waitFor(timeout).isEmpty()) {
                    s.child.kill(Signal.SIGKILL);
                    s.child.waitFor(timeout);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException gone) {
                // reaped meanwhile
            }
        }
        readers.shutdown();
        try {
            readers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
