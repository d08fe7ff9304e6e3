package io.forkj.benchmarks;

/**
 * The floor under any command written in Java: a JVM that starts, prints one line and exits. The command-line
 * rows of {@code run.sh} are judged beside it, since a JVM start alone varies several-fold between machines.
 */
public final class HelloJvm {
    private HelloJvm() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        System.out.println("hello");
    }
}
