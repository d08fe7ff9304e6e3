package io.forkj.multiprocessing;

import java.io.Serializable;

/**
 * A {@link Runnable} that can be sent to another process: a pool's {@code initializer} (Python's
 * {@code Pool(initializer=f, initargs=...)}) or a task without a result.
 */
@FunctionalInterface
public interface SerializableRunnable extends Runnable, Serializable {
}
