package io.forkj.multiprocessing;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A {@link Connection} could not move a message: Python's {@code OSError} from {@code Connection.send}/
 * {@code recv} ({@code BrokenPipeError} when the peer is gone, {@code "bad message length"}, {@code "got end of
 * file during message"}). The cause is an {@link IOException} saying what happened; for a failed system call it
 * wraps the {@link io.forkj.PosixException} with errno.
 *
 * <p>Subclasses: {@link ConnectionEofException} (Python's {@code EOFError}) and
 * {@link UnreadableMessageException} (a whole message arrived but could not be turned back into an object).
 */
public class ConnectionException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the connection and the values involved
     * @param cause   the underlying I/O error
     */
    public ConnectionException(String message, IOException cause) {
        super(message, cause);
    }

    /** @param message what went wrong; the cause is an {@link IOException} with the same message */
    public ConnectionException(String message) {
        super(message, new IOException(message));
    }
}
