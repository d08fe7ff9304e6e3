package io.forkj.benchmarks;

import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.ForkStallException;

import java.time.Duration;

/**
 * The largest allocation a forked child completes, found by bisection (gcBeforeFork on), against the budget
 * the library reported. Run with the default heap and with {@code -Xmn...}. Usage: {@code AllocationLimit ROUNDS}.
 */
public final class AllocationLimit {
    static volatile Object sink;
    private static String lastStall = "";

    private AllocationLimit() {
    }

    /** Runs the measurement; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        ForkOptions options = ForkOptions.defaults().deadline(Duration.ofSeconds(10)).gcBeforeFork(true);
        for (int r = 0; r < rounds; r++) {
            System.gc();
            long budget = Fork.allocationBudget();
            long ok = 0;
            long bad = Math.max(budget * 4, 64L << 20);
            while (bad - ok > (1L << 20)) {
                long mid = (ok + bad) / 2;
                if (completes(options, mid)) {
                    ok = mid;
                } else {
                    bad = mid;
                }
            }
            System.out.printf("budget reported %.1f MiB, largest completed %.1f MiB (%s; beyond it the child was: %s)%n", budget / 1048576.0,
                    ok / 1048576.0, ok >= budget ? "budget is safe" : "BUDGET TOO HIGH", lastStall);
        }
    }

    private static boolean completes(ForkOptions options, long bytes) throws InterruptedException {
        try {
            Fork.run(options, ctx -> {
                for (long n = 0; n < bytes; n += 1024) {
                    sink = new byte[1008];
                }
            }).waitFor();
            return true;
        } catch (ForkStallException e) {
            lastStall = e.state() + " " + e.waitChannel();
            return false;
        }
    }
}
