package io.forkj.multiprocessing;

import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A {@link Callable} that can be sent to another process: a task for {@link Pool#applyAsync} (Python's
 * {@code pool.apply_async(func, args)} with the arguments captured) or {@link ProcessPoolExecutor#submit}
 * ({@code executor.submit(fn, *args)}).
 *
 * @param <V> the result type
 */
@FunctionalInterface
public interface SerializableCallable<V> extends Callable<V>, Serializable {
}
