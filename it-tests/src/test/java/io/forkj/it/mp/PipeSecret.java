package io.forkj.it.mp;

import java.io.Serializable;

/**
 * A serializable class whose bytecode MpPipeIT renames to {@code io.forkj.it.mp.PipeSecreu} and defines in a
 * child only, so that the parent receives an object of a class it does not have.
 */
public class PipeSecret implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Some state, so the stream holds a field. */
    public int value = 7;
}
