package io.forkj.multiprocessing;

import java.io.Serializable;
import java.util.function.BiFunction;

/**
 * A two-argument function that can be sent to another process: the {@code func} of Python's
 * {@code Pool.starmap(func, [(a, b), ...])}.
 *
 * @param <A> the first argument's type
 * @param <B> the second argument's type
 * @param <R> the result type
 */
@FunctionalInterface
public interface SerializableBiFunction<A, B, R> extends BiFunction<A, B, R>, Serializable {
}
