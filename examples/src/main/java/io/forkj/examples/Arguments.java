package io.forkj.examples;

import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One command's parsed arguments, and the one place their text becomes numbers: every conversion that fails
 * throws a {@link UsageException} naming the option, the value and the rule.
 */
final class Arguments {
    private final Command command;
    private final Map<String, String> values;
    private final List<String> operands;
    private final PrintStream out;
    private final PrintStream err;

    Arguments(Command command, Map<String, String> values, List<String> operands, PrintStream out, PrintStream err) {
        this.command = command;
        this.values = values;
        this.operands = List.copyOf(operands);
        this.out = out;
        this.err = err;
    }

    /** Where the command prints its results. */
    PrintStream out() {
        return out;
    }

    /** Where the command prints its failures (exit code 1). */
    PrintStream err() {
        return err;
    }

    /** Whether the option (a flag or one with a value) was given. */
    boolean has(String option) {
        return values.containsKey(option);
    }

    /** The option's value, if given. */
    Optional<String> value(String option) {
        return Optional.ofNullable(values.get(option));
    }

    /** The option's value; a usage error naming it when it is missing. */
    String required(String option) {
        return value(option).orElseThrow(() -> usage("missing required option " + option));
    }

    /** {@code text}, the value of {@code what}, as a path; a usage error when no path can hold it (a NUL byte). */
    Path path(String what, String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw usage(what + " '" + text + "' is not a path: " + e.getReason());
        }
    }

    /** The operands, in order. */
    List<String> operands() {
        return operands;
    }

    /** A usage error of this command. */
    UsageException usage(String message) {
        return new UsageException(command, message);
    }

    /** {@code text} as one process id: a number > 0 (0 and -1 name process groups to kill(2), not one process). */
    int pid(String what, String text) {
        long n = integer(what, text);
        if (n <= 0 || n > Integer.MAX_VALUE) {
            throw usage("bad " + what + " " + text + ": a process id is a number > 0");
        }
        return (int) n;
    }

    /** {@code text} as a whole number > 0, of milliseconds or anything else {@code what} names. */
    long positive(String what, String text) {
        long n = integer(what, text);
        if (n <= 0) {
            throw usage("bad " + what + " " + text + ": must be > 0");
        }
        return n;
    }

    /** {@code text} as seconds in (0, 86400], fractions allowed. */
    Duration seconds(String what, String text) {
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw usage(what + " '" + text + "' is not a number of seconds");
        }
        if (!(value > 0) || value > 86_400) {
            throw usage(what + " " + text + " seconds is outside (0, 86400]");
        }
        return Duration.ofNanos((long) (value * 1e9));
    }

    /** {@code text} as an octal file mode mask, 0 to 0777. */
    int octal(String what, String text) {
        int mask;
        try {
            mask = Integer.parseInt(text, 8);
        } catch (NumberFormatException e) {
            throw usage(what + " '" + text + "' is not an octal number like 022");
        }
        return mask;
    }

    private long integer(String what, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw usage(what + " '" + text + "' is not a whole number");
        }
    }
}
