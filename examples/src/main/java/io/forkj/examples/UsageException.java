package io.forkj.examples;

/** A command line that breaks a rule of its command: printed as one line naming the value and the rule; exit code 2. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code forkj ps}: where the user finds the rules. */
    final String command;

    UsageException(Command command, String message) {
        super(message);
        this.command = command.path();
    }

    /** The one line: {@code forkj: MESSAGE (see forkj CMD --help)}. */
    String line() {
        return "forkj: " + getMessage() + " (see " + command + " --help)";
    }
}
