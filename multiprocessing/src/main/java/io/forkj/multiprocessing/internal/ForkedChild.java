package io.forkj.multiprocessing.internal;

/**
 * Whether this JVM is a FORK child: a copy of its parent with no collector, JIT compiler or VM thread, where code
 * may start no thread and must not wait for a monitor that one of the parent's other threads may have held at the
 * moment of the fork. Library code that would do either asks here first.
 */
public final class ForkedChild {
    private static volatile boolean active;

    private ForkedChild() {
    }

    /** True in a FORK child, from the moment it installs its registry. */
    public static boolean active() {
        return active;
    }

    /** Called once in a FORK child, before its target runs. */
    public static void enter() {
        active = true;
    }
}
