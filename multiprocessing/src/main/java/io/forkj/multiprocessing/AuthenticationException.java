package io.forkj.multiprocessing;

import java.io.IOException;

/**
 * A connection to a manager failed the authkey handshake: Python's {@code multiprocessing.AuthenticationError}.
 * Raised on the side that detected the wrong digest; the other side sees its connection closed or rejected.
 */
public final class AuthenticationException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message says which side's digest was wrong */
    public AuthenticationException(String message) {
        super(message);
    }
}
