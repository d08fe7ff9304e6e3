package io.forkj.multiprocessing;

import java.io.Serializable;
import java.util.function.Function;

/**
 * A {@link Function} that can be sent to another process: the {@code func} of Python's {@code Pool.map},
 * {@code Pool.imap} and {@code Pool.apply(func, (arg,))}. Write it as a lambda or method reference where this type
 * is expected; what it captures must be serializable too.
 *
 * @param <T> the argument type
 * @param <R> the result type
 */
@FunctionalInterface
public interface SerializableFunction<T, R> extends Function<T, R>, Serializable {
}
