package io.forkj.multiprocessing;

/**
 * An exception thrown in another process (a pool worker, a manager's server) that could not travel back as
 * itself, because it or something it holds is not serializable or its class is unknown here. It carries the
 * original class name, message and the remote stack trace as text: CPython's {@code RemoteTraceback}.
 * An exception that can travel arrives as itself, with its own stack trace from the other process.
 */
public final class RemoteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String remoteClass;
    private final String remoteTrace;

    /**
     * @param remoteClass the class name of the original exception
     * @param message     its message (may be null)
     * @param remoteTrace its stack trace as the other process printed it
     */
    public RemoteException(String remoteClass, String message, String remoteTrace) {
        super(remoteClass + (message == null ? "" : ": " + message) + "\n--- remote stack trace ---\n" + remoteTrace);
        this.remoteClass = remoteClass;
        this.remoteTrace = remoteTrace;
    }

    /** The class name of the exception thrown in the other process. */
    public String remoteClass() {
        return remoteClass;
    }

    /** The stack trace printed in the other process. */
    public String remoteTrace() {
        return remoteTrace;
    }

    /** Builds the stand-in for {@code t}, in the process where {@code t} was thrown. */
    public static RemoteException of(Throwable t) {
        java.io.StringWriter trace = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(trace));
        return new RemoteException(t.getClass().getName(), t.getMessage(), trace.toString());
    }
}
