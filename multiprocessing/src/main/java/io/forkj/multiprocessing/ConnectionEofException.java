package io.forkj.multiprocessing;

import java.io.EOFException;

/**
 * Python's {@code EOFError} from {@code Connection.recv()}: there is nothing left to receive and the other end
 * has been closed by every process that held it (closed explicitly, or its process exited or was killed). Thrown
 * only at a message boundary; a peer that vanished in the middle of a message gives a plain
 * {@link ConnectionException} ("got end of file during message"), as in CPython. The cause is a
 * {@link EOFException}. A reset socket ({@code ECONNRESET}: the peer died with unread data of ours) is reported
 * as end of file too.
 */
public class ConnectionEofException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    /** @param message names the connection */
    public ConnectionEofException(String message) {
        super(message, new EOFException(message));
    }
}
