package io.forkj.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** The {@code forkj} command line: demos of the seed lessons, the tour, and process-inspection tools. */
@Command(name = "forkj", mixinStandardHelpOptions = true, version = "forkj 0.1.0",
        description = "The Unix process model for Java on Linux: demos and process tools.",
        subcommands = {ForkjCommand.Tour.class})
public final class ForkjCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    /** Runs every demo in order. */
    @Command(name = "tour", description = "Run every demo in order, each with a short explanation.")
    static final class Tour implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println("forkj tour: the demos are not built yet; see README.md for what exists.");
            return 0;
        }
    }

    /** Entry point of the runnable jar. */
    public static void main(String[] args) {
        int code = new CommandLine(new ForkjCommand()).execute(args);
        System.out.flush();
        System.exit(code);
    }
}
