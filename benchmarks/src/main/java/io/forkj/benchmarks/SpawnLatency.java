package io.forkj.benchmarks;

import io.forkj.posix.Spawn;

/**
 * {@code Spawn.exec("/bin/true")} + wait against {@code ProcessBuilder} and C {@code posix_spawn}, same run.
 * Usage: {@code SpawnLatency COUNT}.
 */
public final class SpawnLatency {
    private SpawnLatency() {
    }

    /** Runs the measurement; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        // Warm until the JIT has compiled both paths: with 100 rounds the first measurement still ran interpreted.
        for (int i = 0; i < Math.max(1000, count); i++) {
            Spawn.exec("/bin/true").waitFor();
            new ProcessBuilder("/bin/true").start().waitFor();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            Spawn.exec("/bin/true").waitFor();
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            new ProcessBuilder("/bin/true").start().waitFor();
        }
        long t2 = System.nanoTime();
        double spawn = (t1 - t0) / 1e3 / count;
        double pb = (t2 - t1) / 1e3 / count;
        double c = CProgram.run("spawn_latency", Integer.toString(count));
        System.out.printf("/bin/true: Spawn.exec %.0f us, ProcessBuilder %.0f us (%.2fx slower), C posix_spawn %.0f us (Spawn/C %.2f)%n",
                spawn, pb, pb / spawn, c, spawn / c);
    }
}
