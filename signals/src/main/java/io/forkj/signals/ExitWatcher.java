package io.forkj.signals;

import io.forkj.WaitStatus;
import io.forkj.posix.Child;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Former home of child-exit notification, which uses no signal: it now lives next to {@link Child} as
 * {@link io.forkj.posix.ExitWatcher} and {@link Child#onExit()}. This facade delegates every call there, so
 * {@code ExitWatcher.shared()} here and there are the same watcher (same thread, same futures).
 *
 * @deprecated use {@link Child#onExit()} for a forked or spawned child, {@link io.forkj.posix.ExitWatcher} for a
 *             raw pid or a watcher of one's own
 */
@Deprecated
public final class ExitWatcher implements AutoCloseable {
    /**
     * How exits are detected.
     *
     * @deprecated use {@link io.forkj.posix.ExitWatcher.Mechanism}
     */
    @Deprecated
    public enum Mechanism {
        /** {@link io.forkj.posix.ExitWatcher.Mechanism#PIDFD}. */
        PIDFD,
        /** {@link io.forkj.posix.ExitWatcher.Mechanism#POLLING}. */
        POLLING
    }

    /** {@link io.forkj.posix.ExitWatcher#POLL_INTERVAL}. */
    public static final Duration POLL_INTERVAL = io.forkj.posix.ExitWatcher.POLL_INTERVAL;

    private static ExitWatcher shared;

    private final io.forkj.posix.ExitWatcher target;

    private ExitWatcher(io.forkj.posix.ExitWatcher target) {
        this.target = target;
    }

    /** {@link io.forkj.posix.ExitWatcher#shared()}. */
    public static synchronized ExitWatcher shared() {
        if (shared == null) {
            shared = new ExitWatcher(io.forkj.posix.ExitWatcher.shared());
        }
        return shared;
    }

    /** {@link io.forkj.posix.ExitWatcher#start}. */
    public static ExitWatcher start(Mechanism mechanism) {
        return new ExitWatcher(io.forkj.posix.ExitWatcher.start(io.forkj.posix.ExitWatcher.Mechanism.valueOf(
                mechanism.name())));
    }

    /** {@link io.forkj.posix.ExitWatcher#pidfdSupported()}. */
    public static boolean pidfdSupported() {
        return io.forkj.posix.ExitWatcher.pidfdSupported();
    }

    /** {@link io.forkj.posix.ExitWatcher#mechanism()}. */
    public Mechanism mechanism() {
        return Mechanism.valueOf(target.mechanism().name());
    }

    /** {@link io.forkj.posix.ExitWatcher#watching()}. */
    public int watching() {
        return target.watching();
    }

    /** {@link io.forkj.posix.ExitWatcher#watch(int)}. */
    public CompletableFuture<WaitStatus> watch(int pid) {
        return target.watch(pid);
    }

    /** {@link io.forkj.posix.ExitWatcher#watch(Child)}; {@link Child#onExit()} is the same on the shared watcher. */
    public CompletableFuture<WaitStatus> watch(Child child) {
        return target.watch(child);
    }

    /** {@link io.forkj.posix.ExitWatcher#close()}. */
    @Override
    public void close() {
        target.close();
    }
}
