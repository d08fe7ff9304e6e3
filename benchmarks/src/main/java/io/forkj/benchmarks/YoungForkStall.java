package io.forkj.benchmarks;

import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkStallException;

/**
 * One FORK {@code MpProcess} from a young JVM, whose target's first act is {@code System.out.println}: the
 * situation of {@code forkj demo mp-copy}, where the parent's JIT is busiest. Prints one line, "ok", "stalled:
 * EVIDENCE" or "exit N", and the starts {@code Fork.run} replaced. {@code benchmarks/fork-stalls-young.sh} runs it
 * in many fresh JVMs and counts.
 */
public final class YoungForkStall {
    static int a = 1;

    private YoungForkStall() {
    }

    /** Runs the one fork; no arguments. */
    public static void main(String[] args) throws Exception {
        MpProcess p = new MpProcess(() -> {
            a = 10000;
            System.out.println("child a = " + a);
        }).startMethod(StartMethod.FORK);
        String result;
        try {
            p.start();
            p.join();
            int code = p.exitCode().orElse(Integer.MIN_VALUE);
            result = code == 0 ? "ok" : "exit " + code;
        } catch (ForkStallException stalled) {
            result = "stalled: " + stalled.evidence();
        }
        System.out.println(result + " retried=" + Fork.retriedStarts());
    }
}
