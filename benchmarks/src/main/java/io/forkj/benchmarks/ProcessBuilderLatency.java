package io.forkj.benchmarks;

/**
 * The JDK baseline for exec /bin/true: {@code ProcessBuilder.start()} + {@code waitFor()}, ns/op per round.
 * usage: ProcessBuilderLatency ITERS ROUNDS
 */
public final class ProcessBuilderLatency {
    private ProcessBuilderLatency() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/true");
        Timing.rounds(() -> pb.start().waitFor(), 1000, Timing.intArg(args, 0, 200), Timing.intArg(args, 1, 5));
    }
}
