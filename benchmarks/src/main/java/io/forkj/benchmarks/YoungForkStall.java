package io.forkj.benchmarks;

import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.SystemExit;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkStallException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.function.Function;

/**
 * FORK {@code MpProcess}es from a young JVM, where the parent's JIT is busiest. With no argument, one child whose
 * target's first act is {@code System.out.println}: the situation of {@code forkj demo mp-copy}. With
 * {@code lambda N}, N children in turn, each deserializing a lambda the parent serialized and never read back:
 * what a FORK pool worker does with each new function (it links a class in the child). Prints one line per
 * child, "ok", "stalled: EVIDENCE" or "exit N", and the starts {@code Fork.run} replaced in all.
 * {@code benchmarks/fork-stalls-young.sh} runs it in many fresh JVMs and counts.
 */
public final class YoungForkStall {
    static int a = 1;

    private YoungForkStall() {
    }

    /** No argument: the printing child; {@code lambda N}: N lambda-reading children. */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("lambda")) {
            int children = Integer.parseInt(args[1]);
            for (int i = 0; i < children; i++) {
                byte[] function = serialized((Function<Integer, Integer> & Serializable) x -> x * x);
                report(new MpProcess(() -> {
                    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(function))) {
                        @SuppressWarnings("unchecked")
                        Function<Integer, Integer> f = (Function<Integer, Integer>) in.readObject();
                        if (f.apply(7) != 49) {
                            throw new SystemExit(3);
                        }
                    } catch (IOException | ClassNotFoundException e) {
                        throw new IllegalStateException(e);
                    }
                }), i == children - 1);
            }
            return;
        }
        report(new MpProcess(() -> {
            a = 10000;
            System.out.println("child a = " + a);
        }), true);
    }

    private static void report(MpProcess p, boolean last) throws InterruptedException {
        String result;
        try {
            p.startMethod(StartMethod.FORK).start();
            p.join();
            int code = p.exitCode().orElse(Integer.MIN_VALUE);
            result = code == 0 ? "ok" : "exit " + code;
        } catch (ForkStallException stalled) {
            result = "stalled: " + stalled.evidence();
        }
        System.out.println(result + (last ? " retried=" + Fork.retriedStarts() : ""));
    }

    private static byte[] serialized(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }
}
