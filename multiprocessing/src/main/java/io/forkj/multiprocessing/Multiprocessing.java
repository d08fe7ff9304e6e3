package io.forkj.multiprocessing;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The module-level functions of Python's {@code multiprocessing}: the current and parent process, the active
 * children, the CPU count, and the start method.
 */
public final class Multiprocessing {
    private static volatile StartMethod defaultMethod = StartMethod.SPAWN;
    private static final Map<StartMethod, Context> CONTEXTS = new EnumMap<>(StartMethod.class);

    static {
        for (StartMethod m : StartMethod.values()) {
            CONTEXTS.put(m, new Context(m));
        }
    }

    private Multiprocessing() {
    }

    /**
     * The process this code runs in: Python's {@code current_process()}. In the main process its name is
     * {@code "MainProcess"}; in a child it is the process object that was started (its name, its daemon flag).
     */
    public static MpProcess currentProcess() {
        return Registry.get().current();
    }

    /** The parent of this process, empty in the main process: Python's {@code parent_process()}. */
    public static Optional<MpProcess> parentProcess() {
        return Optional.ofNullable(Registry.get().parent());
    }

    /**
     * The children of this process that are still running, reaping the ones that have ended: Python's
     * {@code active_children()}.
     */
    public static List<MpProcess> activeChildren() {
        return Registry.get().activeChildren();
    }

    /**
     * The number of CPUs this process may use: {@code Runtime.availableProcessors()}, which honours the CPU
     * affinity mask and cgroup limits (Python 3.13's {@code process_cpu_count()}; {@code cpu_count()} counts all
     * CPUs of the machine).
     */
    public static int cpuCount() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Sets the start method of processes that choose none: Python's {@code set_start_method(method)}. Unlike
     * Python, it may be called again. Choosing STANDBY starts the idle JVMs now.
     */
    public static void setStartMethod(StartMethod method) {
        defaultMethod = Objects.requireNonNull(method, "method");
        if (method == StartMethod.STANDBY) {
            Standby.pool();
        }
    }

    /** The default start method, SPAWN unless changed: Python's {@code get_start_method()}. */
    public static StartMethod getStartMethod() {
        return defaultMethod;
    }

    /**
     * The context of {@code method}: Python's {@code get_context(method)}. The STANDBY context starts its idle JVMs
     * now, so that its first {@code start()} is fast too.
     */
    public static Context getContext(StartMethod method) {
        Context c = CONTEXTS.get(Objects.requireNonNull(method, "method"));
        if (method == StartMethod.STANDBY) {
            Standby.pool();
        }
        return c;
    }

    /**
     * How many idle JVMs the STANDBY start method keeps ready (default 1); each costs a JVM's memory. Changing it
     * stops the current idle JVMs.
     *
     * @throws IllegalArgumentException outside 1..64
     */
    public static void setStandbyCount(int count) {
        Standby.setCount(count);
    }

    /** How many idle JVMs the STANDBY start method keeps ready. */
    public static int getStandbyCount() {
        return Standby.count();
    }

    /**
     * Waits until the STANDBY start method has its idle JVMs ready (started, warmed, waiting for a task), starting
     * them if needed.
     *
     * @return false if they were not ready within {@code timeout}
     */
    public static boolean awaitStandby(Duration timeout) throws InterruptedException {
        return Standby.pool().awaitReady(timeout);
    }

    /**
     * Stops the idle standby JVMs and reaps them (they also exit by themselves when this JVM exits or dies). The
     * next STANDBY start starts new ones. Python's equivalent is the forkserver's shutdown at exit.
     */
    public static void shutdownStandby() {
        Standby.closeAll();
    }
}
