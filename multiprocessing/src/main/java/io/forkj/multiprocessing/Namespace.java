package io.forkj.multiprocessing;

import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A bag of named attributes held by a {@link Manager}: Python's {@code manager.Namespace()}
 * ({@code ns.x = 1} is {@code ns.set("x", 1)}, {@code ns.x} is {@code ns.get("x")}).
 */
public interface Namespace {

    /**
     * The attribute's value.
     *
     * @throws NoSuchElementException if it is not set (Python's AttributeError)
     */
    Object get(String name);

    /** Sets the attribute. */
    void set(String name, Object value);

    /** Removes it ({@code del ns.x}); false if it was not set. */
    boolean delete(String name);

    /** A copy of every attribute, in the order they were first set. */
    Map<String, Object> attributes();
}
