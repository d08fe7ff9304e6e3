package io.forkj.multiprocessing;

/**
 * A task ran, but its result could not be sent back because it is not serializable (CPython's
 * {@code multiprocessing.pool.MaybeEncodingError}), or was sent but could not be read in the pool's process: its
 * deserialization threw, for instance an {@link OutOfMemoryError} or a class initializer's error, which is then the
 * cause (CPython's pool hangs on a result it cannot unpickle). Either way the worker survives and goes on with the
 * next task.
 */
public final class ResultEncodingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message names the result's class and what could not be serialized */
    public ResultEncodingException(String message) {
        super(message);
    }
}
