package io.forkj.examples.demos;

import java.util.List;

/** One runnable port of a seed-lesson program. */
public interface Demo {
    /** The name used by {@code forkj demo NAME}. */
    String name();

    /** Two lines the tour prints before running it: what the program does, and what to look for. */
    List<String> explanation();

    /**
     * Runs the demo, printing to {@code System.out} (a forked child writes to fd 1 directly).
     *
     * @return the process exit code for the command line: 0 when the demonstrated fact held
     */
    int run() throws Exception;

    /** A demo's program: returns the exit code {@link #run()} returns. */
    @FunctionalInterface
    interface Body {
        /** Runs it; 0 when the demonstrated fact held. */
        int run() throws Exception;
    }

    /** A demo from its name, the tour's two lines (what it does, what to look for) and its program. */
    static Demo of(String name, String what, String lookFor, Body body) {
        return new Demo() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<String> explanation() {
                return List.of(what, lookFor);
            }

            @Override
            public int run() throws Exception {
                return body.run();
            }
        };
    }
}
