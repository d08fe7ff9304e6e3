package io.forkj.posix.internal.libc;

/**
 * Whether {@link Native} has loaded the native binding, answered without loading it (asking {@code Native} itself
 * would). Loading jffi and generating jnr's stubs costs a short-lived JVM about 250-400 ms; code that has a pure
 * Java way to do its work (reading {@code /proc}) takes it until something else has paid for the binding.
 */
public final class BindingState {
    private static volatile boolean loaded;

    private BindingState() {
    }

    /** True once {@link Native}'s class initialization has completed. */
    public static boolean isLoaded() {
        return loaded;
    }

    static void markLoaded() {
        loaded = true;
    }
}
