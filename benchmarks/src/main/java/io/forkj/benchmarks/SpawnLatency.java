package io.forkj.benchmarks;

import io.forkj.posix.Spawn;

/**
 * {@code Spawn.exec("/bin/true")} + wait, ns/op per round; run.sh sets it beside ProcessBuilder and C
 * {@code posix_spawn}. Warms for 1,000 spawns first: with fewer the first rounds still ran interpreted.
 * usage: SpawnLatency ITERS ROUNDS
 */
public final class SpawnLatency {
    private SpawnLatency() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        Timing.rounds(() -> Spawn.exec("/bin/true").waitFor(), 1000, Timing.intArg(args, 0, 200), Timing.intArg(args, 1, 5));
    }
}
