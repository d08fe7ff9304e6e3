package io.forkj.multiprocessing;

/**
 * One value held by a {@link Manager}: Python's {@code manager.Value(typecode, value)}
 * ({@code multiprocessing.managers.ValueProxy}; {@code v.value} is {@link #get()}, {@code v.value = x} is
 * {@link #set}). Each call is atomic in the server; {@code get} then {@code set} is not, so use {@link #update}.
 *
 * @param <T> the value's type
 */
public interface ValueProxy<T> {

    /** The value. */
    T get();

    /** Replaces the value. */
    void set(T value);

    /**
     * Applies {@code function} to the value inside the manager, atomically (no lost update between processes),
     * and returns the new value.
     */
    T update(SerializableFunction<T, T> function);
}
