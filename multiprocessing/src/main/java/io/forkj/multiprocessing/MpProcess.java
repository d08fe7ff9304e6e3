package io.forkj.multiprocessing;

import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.ForkStallException;
import io.forkj.posix.internal.libc.Native;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * A Java function running in another process: Python's {@code multiprocessing.Process}, named so that it does
 * not shadow {@code java.lang.Process}. Its methods are Python's in Java case.
 *
 * <pre>{@code
 * MpProcess p = new MpProcess(() -> System.out.println("hello from " + Multiprocessing.currentProcess().name()));
 * p.start();
 * p.join();
 * p.exitCode();   // OptionalInt[0]
 * }</pre>
 *
 * <p>Give it a {@link Target} or extend it and override {@link #run()} (Python's {@code class MyProcess(Process)}).
 * The start method is the default ({@link Multiprocessing#setStartMethod}, SPAWN unless changed), the one of the
 * {@link Context} that made it, or {@link #startMethod(StartMethod)}.
 *
 * <p>Exit codes follow CPython: 0 when {@code run()} returns; 1 when it throws (the stack trace is printed on
 * the child's stderr after a line {@code Process NAME:}); {@code n} for {@code throw new SystemExit(n)} and, in
 * SPAWN and standby children, {@code System.exit(n)}; {@code -N} when killed by signal N ({@link #terminate()}
 * gives -15, {@link #kill()} -9).
 *
 * <p><b>SPAWN and STANDBY.</b> The child is a fresh JVM, started with the same {@code java}, class path and JVM
 * options (less debugger agents), plus {@code -Xrs} so that SIGTERM ends it with -15 as in Python. This object
 * (its target, its fields and what they reference) is serialized in {@link #start()} and read back in the child,
 * as CPython pickles the process object: a target that captures something not serializable (a file stream, a
 * thread, a {@code java.util.concurrent} lock) is refused there, before any process starts, with an
 * {@link IllegalArgumentException} naming the class. forkj resources (connections, shared memory, locks, queues)
 * travel as handles with their fds. Fields marked {@code transient} stay behind.
 *
 * <p><b>FORK.</b> The child is a copy of this JVM made by {@code fork(2)} ({@link io.forkj.posix.Fork}): it sees
 * this process's memory as it was at {@code start()} (copy-on-write), but only the starting thread: no garbage
 * collector, JIT compiler or VM thread runs in it. So a FORK target may:
 * <ul>
 *   <li>read anything, compute, and change memory it owns (its changes stay in the child);</li>
 *   <li>allocate up to the young generation's free space at fork time ({@link io.forkj.posix.Fork#allocationBudget()},
 *       read it before {@code start()}). Measured on the project's 2-core VM, JDK 17, in a small program: 0 to
 *       12 MiB with the default G1 heap (G1 sizes eden to what the program has been allocating, and shrinks it
 *       after a collection), 50 to 98 MiB with {@code -XX:+UseSerialGC}, 176 to 241 MiB with {@code -Xmn256m}.
 *       The first allocation beyond it needs a GC that cannot run, and the child blocks until its deadline. When
 *       less than 8 MiB of eden is free and a collection would free more, {@code start()} collects first;</li>
 *   <li>print with {@code System.out} and {@code System.err}: in the child they are fresh streams prepared in
 *       the parent that write straight to fds 1 and 2, so a stream lock another thread held at the moment of the
 *       fork cannot block the child;</li>
 *   <li>use forkj resources it inherited (pipes, shared memory, locks).</li>
 * </ul>
 * It must not: start threads, run code this JVM never ran (a class loaded for the first time or a lambda
 * bootstrapped in the child can wait for ever on a lock another thread held at fork time), open files or sockets
 * with the JDK's own I/O ({@code FileInputStream} by name, {@code java.nio.file.Files}, any {@code java.nio}
 * channel: each registers with the JDK's common {@code Cleaner} under a Java monitor that the Cleaner's thread
 * may have held at the fork), run for long (a compilation request can stall it), or call {@code System.exit}: the JVM's exit sequence waits for the VM
 * thread the child does not have. forkj's shutdown hook ends such a child with exit code 1 and says why on its
 * stderr when the JVM starts that hook first; when it starts another application hook first, starting that
 * hook's thread can block the child until its deadline. Use {@code throw new SystemExit(n)}. Nor should it use
 * {@code ProcessHandle.current()}, which the JDK caches: in a FORK child it still names the parent (use
 * {@code Multiprocessing.currentProcess().pid()}). A child that stalls is killed and {@link #join()} throws
 * {@link ForkStallException}. From its start a thread of forkj's looks at the child every 50 ms, whether or not
 * anyone joins it: a child that {@code /proc} proves blocked for ever (one thread, asleep on a private futex with
 * no timeout) is recognised within about 100 ms, and any other child still running at its deadline, 30 s by
 * default ({@link #forkDeadline(Duration)} changes it, up to as long as the target needs), is killed then. So a
 * parent reading the child's pipe sees the pipe end instead of waiting for ever. 30 s is long enough for any
 * target that suits FORK; long or allocating work belongs in SPAWN.
 *
 * <p><b>daemon.</b> A daemon child ({@link #daemon(boolean)}) is terminated when this process exits normally (a
 * shutdown hook, as Python's {@code atexit}), and also when this process is killed: it is armed with the
 * parent-death signal ({@code PR_SET_PDEATHSIG}, SIGKILL), which Python does not do. A daemon process may not
 * start processes. At normal exit this process waits for its non-daemon children, as Python does.
 *
 * <p>Thread-safe. It is {@link Serializable} for the SPAWN hand-off only; its runtime state is transient.
 */
public class MpProcess implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Target target;
    private String name;
    private boolean daemon;
    private final String identity;
    private StartMethod startMethod;
    private Duration forkDeadline = ForkOptions.defaults().deadline();

    /** Set only on the objects that stand for an existing process (main, the parent, this child itself). */
    private transient int existingPid;
    private transient boolean isParentView;
    private transient Child child;
    private transient StartMethod startedWith;
    private transient boolean closed;
    private transient CompletableFuture<MpProcess> onExit;

    /**
     * A process that runs {@code target}: Python's {@code Process(target=f)}.
     *
     * @throws NullPointerException if {@code target} is null
     */
    public MpProcess(Target target) {
        this(Objects.requireNonNull(target, "target"), null);
    }

    /** A process named {@code name} that runs {@code target}: {@code Process(target=f, name=name)}. */
    public MpProcess(Target target, String name) {
        this(target, name, null);
    }

    /** With {@code identity} null, the next child identity of this process (which names it). */
    MpProcess(Target target, String name, String identity) {
        this.target = target;
        this.identity = identity != null ? identity : Registry.get().nextIdentity();
        this.name = name != null ? name : "Process-" + this.identity;
        this.daemon = Registry.get().current().daemon;
    }

    /** For subclasses that override {@link #run()}: Python's {@code class MyProcess(Process)}. */
    protected MpProcess() {
        this(null, null);
    }

    /** For subclasses that override {@link #run()}, with a name. */
    protected MpProcess(String name) {
        this(null, Objects.requireNonNull(name, "name"));
    }

    /** An object standing for an existing process (MainProcess, or the parent seen from a child). */
    MpProcess(String name, int pid, boolean parentView) {
        this.target = null;
        this.identity = "";
        this.name = name;
        this.existingPid = pid;
        this.isParentView = parentView;
    }

    /**
     * What the process does: runs the target. Override it in a subclass (Python's {@code run()}); it runs in
     * the child. Call {@link #start()}, not this, to start a process.
     */
    public void run() throws Exception {
        if (target != null) {
            target.run();
        }
    }

    /**
     * Starts the process: Python's {@code start()}. Also reaps children of this process that have ended, as
     * Python does.
     *
     * @throws IllegalStateException    if it was started before, closed, stands for an existing process, or this
     *                                  process is a daemon ("daemonic processes are not allowed to have children")
     * @throws IllegalArgumentException under SPAWN and STANDBY, if this object or its target holds something that
     *                                  cannot be serialized; the message names the class
     * @throws io.forkj.PosixException if the kernel refuses to create the process
     * @throws UnsupportedOperationException under FORK, if this JVM's Java heap is a shared mapping
     *                                       ({@code -XX:+UseZGC}, {@code -XX:AllocateHeapAt}): the child would write
     *                                       into this JVM's heap; SPAWN and STANDBY work there
     */
    public final synchronized void start() {
        checkOpen();
        if (existingPid != 0) {
            throw new IllegalStateException("cannot start " + name + ": it stands for the existing process " + existingPid);
        }
        if (child != null) {
            throw new IllegalStateException("cannot start a process twice: " + this);
        }
        Registry registry = Registry.get();
        if (registry.current().daemon) {
            throw new IllegalStateException("daemonic processes are not allowed to have children: "
                    + registry.current().name + " is a daemon and cannot start " + name);
        }
        registry.cleanup();
        StartMethod method = startMethod != null ? startMethod : Multiprocessing.getStartMethod();
        registry.beforeStart();
        switch (method) {
            case FORK:
                child = ForkStart.start(this);
                break;
            case SPAWN:
                child = SpawnStart.spawn(this);
                break;
            case STANDBY:
                child = Standby.pool().handOff(this);
                break;
            default:
                throw new IllegalStateException("unknown start method " + method);
        }
        startedWith = method;
        registry.add(this);
    }

    /**
     * Waits until the process ends: Python's {@code join()}.
     *
     * @throws IllegalStateException if it was not started, or this object stands for this process itself
     * @throws ForkStallException    if a FORK child passed its deadline (it was killed; exit code -9)
     * @throws InterruptedException  if this thread is interrupted; the child keeps running
     */
    public final void join() throws InterruptedException {
        Child c = checkJoinable();
        if (c == null) {
            awaitExistingExit(null);
            return;
        }
        c.waitFor();
        Registry.get().remove(this);
    }

    /**
     * Waits at most {@code timeout} for the process to end: Python's {@code join(timeout)}.
     *
     * @return true if it has ended, false if it still runs (check {@link #exitCode()} as in Python)
     * @throws ForkStallException   if a FORK child passed its deadline (it was killed; exit code -9)
     * @throws InterruptedException if this thread is interrupted
     */
    public final boolean join(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        Child c = checkJoinable();
        if (c == null) {
            return awaitExistingExit(timeout);
        }
        boolean ended = c.waitFor(timeout).isPresent();
        if (ended) {
            Registry.get().remove(this);
        }
        return ended;
    }

    /** Whether the process has started and not yet ended: Python's {@code is_alive()}. */
    public final boolean isAlive() {
        checkOpen();
        if (existingPid != 0) {
            return !isParentView || Native.posix().getppid() == existingPid;
        }
        Child c = child;
        if (c == null) {
            return false;
        }
        return status(c) == null;
    }

    /**
     * The exit code: empty while the process runs or before it started (Python's {@code None}); 0, 1, the
     * code given to {@link SystemExit} or {@code System.exit}, or {@code -N} for signal N. Reaps the child if
     * it has ended.
     */
    public final OptionalInt exitCode() {
        checkOpen();
        Child c = child;
        if (c == null) {
            return OptionalInt.empty();
        }
        WaitStatus s = status(c);
        return s == null ? OptionalInt.empty() : OptionalInt.of(s.toExitCode());
    }

    /** Sends SIGTERM: Python's {@code terminate()}. Does nothing once the process has ended and been reaped. */
    public final void terminate() {
        signal(Signal.SIGTERM);
    }

    /** Sends SIGKILL: Python's {@code kill()}. Does nothing once the process has ended and been reaped. */
    public final void kill() {
        signal(Signal.SIGKILL);
    }

    /**
     * Releases this object's resources: Python's {@code close()}. Later calls of most methods throw.
     *
     * @throws IllegalStateException if the process is still running ("Cannot close a process while it is still
     *                               running. You should first call join() or terminate().")
     */
    public final synchronized void close() {
        if (closed) {
            return;
        }
        Child c = child;
        if (c != null && status(c) == null) {
            throw new IllegalStateException("Cannot close a process while it is still running. You should first call"
                    + " join() or terminate(): " + this);
        }
        Registry.get().remove(this);
        closed = true;
    }

    /**
     * A future completed with this object once the process has ended and been reaped (Python's
     * {@code sentinel}, Java's {@code Process.onExit()}); completed exceptionally with
     * {@link ForkStallException} for a FORK child killed at its deadline.
     *
     * @throws IllegalStateException if it was not started
     */
    public final synchronized CompletableFuture<MpProcess> onExit() {
        checkOpen();
        if (onExit == null) {
            Child c = child;
            if (c == null) {
                throw new IllegalStateException("can only wait for a started process: " + this);
            }
            CompletableFuture<MpProcess> done = new CompletableFuture<>();
            c.onExit().whenComplete((status, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    Registry.get().remove(this);
                    done.complete(this);
                }
            });
            onExit = done;
        }
        return onExit;
    }

    /** The name: Python's {@code name}, {@code "Process-N"} unless given (N counts per parent, like Python). */
    public final String name() {
        return name;
    }

    /** Renames the process (Python allows it at any time); returns this. */
    public final MpProcess name(String newName) {
        this.name = Objects.requireNonNull(newName, "name");
        return this;
    }

    /** Whether this is a daemon process: Python's {@code daemon}. Defaults to the starting process's flag. */
    public final boolean daemon() {
        return daemon;
    }

    /**
     * Makes the process a daemon or not before it starts (Python's {@code p.daemon = True}); returns this.
     *
     * @throws IllegalStateException after {@link #start()} ("process has already started")
     */
    public final synchronized MpProcess daemon(boolean isDaemon) {
        checkOpen();
        if (child != null || existingPid != 0) {
            throw new IllegalStateException("process has already started: daemon must be set before start() (" + name + ")");
        }
        this.daemon = isDaemon;
        return this;
    }

    /**
     * The process id: Python's {@code pid}.
     *
     * @throws IllegalStateException before {@link #start()} (Python's {@code None})
     */
    public final int pid() {
        if (existingPid != 0) {
            return existingPid;
        }
        Child c = child;
        if (c == null) {
            throw new IllegalStateException(name + " has not been started: it has no pid yet");
        }
        return c.pid();
    }

    /** The start method this process uses (or used): its own, else the default at {@code start()}. */
    public final StartMethod startMethod() {
        StartMethod used = startedWith;
        if (used != null) {
            return used;
        }
        return startMethod != null ? startMethod : Multiprocessing.getStartMethod();
    }

    /**
     * Chooses the start method of this process before it starts; returns this.
     *
     * @throws IllegalStateException after {@link #start()}
     */
    public final synchronized MpProcess startMethod(StartMethod method) {
        Objects.requireNonNull(method, "method");
        if (child != null || existingPid != 0) {
            throw new IllegalStateException("process has already started: the start method must be set before start() (" + name + ")");
        }
        this.startMethod = method;
        return this;
    }

    /**
     * The deadline of a FORK child, counted from the fork (default 30 s; see the class comment for why); returns
     * this. Ignored by SPAWN and STANDBY, whose children are whole JVMs.
     *
     * @throws IllegalArgumentException if not positive
     */
    public final synchronized MpProcess forkDeadline(Duration deadline) {
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isZero() || deadline.isNegative()) {
            throw new IllegalArgumentException("fork deadline " + deadline + " must be positive: every guarded fork has a deadline");
        }
        this.forkDeadline = deadline;
        return this;
    }

    /** The deadline a FORK child gets. */
    public final Duration forkDeadline() {
        return forkDeadline;
    }

    /** Like Python's repr: {@code <MpProcess name='Process-1' pid=123 started daemon>}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("<").append(getClass().getSimpleName()).append(" name='").append(name).append('\'');
        Child c = child;
        if (existingPid != 0) {
            s.append(" pid=").append(existingPid).append(isParentView ? " parent" : " current");
        } else if (c == null) {
            s.append(closed ? " closed" : " initial");
        } else {
            s.append(" pid=").append(c.pid());
            WaitStatus st = c.status().orElse(null);
            s.append(st == null ? " started" : " stopped exitcode=" + st.toExitCode());
        }
        if (daemon) {
            s.append(" daemon");
        }
        return s.append('>').toString();
    }

    // ---- package-private: the registry and the starters

    String identity() {
        return identity;
    }

    Child child() {
        return child;
    }

    /** For {@link Connection#waitAny}: as {@link #join()} checks, the child to watch, or null for the parent's view. */
    Child childToWaitFor() {
        return checkJoinable("wait for");
    }

    /** The parent's pid when this object is the parent's view in a child ({@code parentProcess()}), else 0. */
    int parentViewPid() {
        return isParentView ? existingPid : 0;
    }

    /** In a child: this deserialized (or forked) object becomes the current process. */
    void becomeCurrent(int pid) {
        this.existingPid = pid;
        this.isParentView = false;
        this.child = null;
    }

    /** The status if the child has ended (reaping it), null while it runs; a stall counts as ended. */
    private static WaitStatus status(Child c) {
        try {
            return c.poll().orElse(null);
        } catch (ForkStallException stalled) {
            return c.status().orElse(null);
        }
    }

    private void signal(Signal signal) {
        checkOpen();
        Child c = child;
        if (c == null) {
            if (existingPid != 0) {
                Native.posix().kill(existingPid, signal.number());
            }
            return;
        }
        if (c.status().isPresent()) {
            return;
        }
        try {
            c.kill(signal);
        } catch (IllegalStateException reapedMeanwhile) {
            // Python's terminate() on an ended process does nothing either.
        } catch (io.forkj.PosixException gone) {
            if (gone.errno() != io.forkj.Errno.ESRCH.number()) {
                throw gone;
            }
        }
    }

    private Child checkJoinable() {
        return checkJoinable("join");
    }

    /** The child to {@code verb} (join, wait for), null for the parent's view; the current process is refused. */
    private Child checkJoinable(String verb) {
        checkOpen();
        if (existingPid != 0) {
            if (!isParentView) {
                throw new IllegalStateException("can only " + verb + " a child process: " + name + " is this process");
            }
            return null;
        }
        Child c = child;
        if (c == null) {
            throw new IllegalStateException("can only " + verb + " a started process: " + this);
        }
        return c;
    }

    /** The parent seen from a child: it ended when this process was adopted by someone else. */
    private boolean awaitExistingExit(Duration timeout) throws InterruptedException {
        long end = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        while (Native.posix().getppid() == existingPid) {
            if (timeout != null && System.nanoTime() - end >= 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("process object is closed: " + name);
        }
    }
}
