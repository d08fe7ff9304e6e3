package io.forkj.multiprocessing;

import java.io.IOException;

/**
 * A whole message arrived on a {@link Connection} but could not become an object: Python's
 * {@code pickle.UnpicklingError}. The reasons, each named in the message: a class the stream names is not on this
 * process's class path; the connection's deserialization filter rejected a class or a limit (see
 * {@link Connection#setObjectFilter(java.io.ObjectInputFilter)}); the bytes are not a forkj message at all. The
 * message was consumed whole, so the connection stays usable for the next one.
 */
public class UnreadableMessageException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what could not be read and why
     * @param cause   the deserialization error ({@code ClassNotFoundException} is wrapped in an IOException)
     */
    public UnreadableMessageException(String message, IOException cause) {
        super(message, cause);
    }
}
