package io.forkj.posix.internal.children;

import io.forkj.posix.Child;

import java.util.function.Function;

/**
 * Reaches a {@link Child}'s own pidfd from forkj's other modules (multiprocessing's {@code Connection.waitAny}
 * polls it beside connections), while {@code Child} keeps it out of its public methods: a caller that closed it
 * would make the handle poll and signal whatever the kernel gives that number next.
 */
public final class ChildPidfds {
    private static volatile Function<Child, SharedPidfd> access;

    private ChildPidfds() {
    }

    /** Called once, by {@code Child}'s class initializer. */
    public static void install(Function<Child, SharedPidfd> pidfdOfChild) {
        access = pidfdOfChild;
    }

    /** The child's one pidfd (use it between {@link SharedPidfd#acquire()} and {@link SharedPidfd#release()}). */
    public static SharedPidfd of(Child child) {
        // An instance exists, so Child's class initializer has run and installed the access.
        return access.apply(child);
    }
}
