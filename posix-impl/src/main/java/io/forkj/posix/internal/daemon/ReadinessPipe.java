package io.forkj.posix.internal.daemon;

import io.forkj.posix.DaemonException;

/**
 * The records the daemon's children write on the close-on-exec readiness pipe, and their reading by the
 * launcher. Big-endian, one byte of type first:
 * <ul>
 *   <li>{@code 'P'} pid (4 bytes): the grandchild's pid, written first thing;</li>
 *   <li>{@code 'X'}: every step done, {@code execve} next (EOF then means it succeeded);</li>
 *   <li>{@code 'E'} step (1 byte, a {@link DaemonStep} number) errno (4 bytes): that step failed.</li>
 * </ul>
 *
 * <p>The encoders run in the forked children: they only fill a byte array prepared before the fork and return
 * the length to {@code write(2)}. {@link Records} runs in the launcher.
 */
final class ReadinessPipe {
    static final byte PID_RECORD = 'P';
    static final byte EXEC_RECORD = 'X';
    static final byte FAILURE_RECORD = 'E';
    static final int PID_LENGTH = 5;
    static final int EXEC_LENGTH = 1;
    static final int FAILURE_LENGTH = 6;
    /** More than any sequence of records the children can write (pid, exec, failure: 12 bytes). */
    static final int CAPACITY = 64;

    private ReadinessPipe() {
    }

    /** Fills {@code record} with a pid record; returns its length. Runs in the grandchild. */
    static int encodePid(byte[] record, int pid) {
        record[0] = PID_RECORD;
        putInt(record, 1, pid);
        return PID_LENGTH;
    }

    /** Fills {@code record} with the about-to-execve record; returns its length. Runs in the grandchild. */
    static int encodeExec(byte[] record) {
        record[0] = EXEC_RECORD;
        return EXEC_LENGTH;
    }

    /** Fills {@code record} with a failure record; returns its length. Runs in either child. */
    static int encodeFailure(byte[] record, DaemonStep step, int errno) {
        record[0] = FAILURE_RECORD;
        record[1] = step.number;
        putInt(record, 2, errno);
        return FAILURE_LENGTH;
    }

    private static void putInt(byte[] buffer, int at, int value) {
        buffer[at] = (byte) (value >>> 24);
        buffer[at + 1] = (byte) (value >>> 16);
        buffer[at + 2] = (byte) (value >>> 8);
        buffer[at + 3] = (byte) value;
    }

    private static int getInt(byte[] buffer, int at) {
        return (buffer[at] & 0xff) << 24 | (buffer[at + 1] & 0xff) << 16 | (buffer[at + 2] & 0xff) << 8 | (buffer[at + 3] & 0xff);
    }

    /** What the launcher has read from the pipe so far, decoded. */
    static final class Records {
        private final byte[] buffer = new byte[CAPACITY];
        private int length;
        /** The grandchild's pid, 0 until its record arrived. */
        int pid;
        /** Whether the grandchild said it is about to {@code execve}. */
        boolean execing;
        /** Whether a failure record arrived; then {@link #step} and {@link #errno} say which and why. */
        boolean failed;
        /** The failed step's number (see {@link DaemonStep#number}), as read. */
        int step;
        int errno;

        /**
         * Adds {@code n} bytes read from the pipe and decodes the complete records among all read so far; a partial
         * last record waits for more.
         *
         * @return false, adding nothing, if they do not fit: no children write that much
         * @throws DaemonException on a byte that starts no record
         */
        boolean append(byte[] chunk, int n) {
            if (n > buffer.length - length) {
                return false;
            }
            System.arraycopy(chunk, 0, buffer, length, n);
            length += n;
            decode(false);
            return true;
        }

        /**
         * Decodes what was read once the pipe is at EOF.
         *
         * @throws DaemonException on a partial last record or a byte that starts no record
         */
        void closed() {
            decode(true);
        }

        private void decode(boolean complete) {
            for (int at = 0; at < length; ) {
                if (buffer[at] == PID_RECORD && at + PID_LENGTH <= length) {
                    pid = getInt(buffer, at + 1);
                    at += PID_LENGTH;
                } else if (buffer[at] == EXEC_RECORD) {
                    execing = true;
                    at += EXEC_LENGTH;
                } else if (buffer[at] == FAILURE_RECORD && at + FAILURE_LENGTH <= length) {
                    failed = true;
                    step = buffer[at + 1];
                    errno = getInt(buffer, at + 2);
                    at += FAILURE_LENGTH;
                } else if (complete || (buffer[at] != PID_RECORD && buffer[at] != FAILURE_RECORD)) {
                    throw new DaemonException("unreadable readiness record from the daemon: " + length + " bytes");
                } else {
                    return;
                }
            }
        }
    }
}
