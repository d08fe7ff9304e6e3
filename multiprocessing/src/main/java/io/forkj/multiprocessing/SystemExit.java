package io.forkj.multiprocessing;

/**
 * Thrown by a target to end its process with a chosen exit code: Python's {@code sys.exit(n)}, which raises
 * {@code SystemExit}. Works under every start method; {@code System.exit(n)} does the same in SPAWN and standby
 * children but cannot in a FORK child (see {@link MpProcess}). Like Python, no stack trace is printed.
 */
public final class SystemExit extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    /**
     * @param code the exit code, 0..255
     * @throws IllegalArgumentException outside 0..255 (what {@code _exit(2)} can report)
     */
    public SystemExit(int code) {
        super("exit code " + code, null, false, false);
        if (code < 0 || code > 255) {
            throw new IllegalArgumentException("exit code " + code + " is outside 0..255, what a process can report to its parent");
        }
        this.code = code;
    }

    /** The exit code the process ends with. */
    public int code() {
        return code;
    }
}
