package io.forkj.multiprocessing;

/**
 * Python's {@code multiprocessing.BufferTooShort}: {@link Connection#recvBytesInto(byte[], int)} got a message
 * longer than the room left in the buffer. The message has been consumed; it is available whole from
 * {@link #message()}, as Python puts it in {@code e.args[0]}.
 */
public class BufferTooShortException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient byte[] message;

    /**
     * @param message the message that did not fit
     * @param room    the bytes that were available in the buffer
     */
    public BufferTooShortException(byte[] message, int room) {
        super("a message of " + message.length + " bytes does not fit in the " + room
                + " bytes left in the buffer; it was received and is available from message()");
        this.message = message;
    }

    /** The whole message that did not fit (Python's {@code e.args[0]}). */
    public byte[] message() {
        return message;
    }
}
