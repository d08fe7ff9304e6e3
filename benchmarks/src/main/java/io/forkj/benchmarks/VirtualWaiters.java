package io.forkj.benchmarks;

import io.forkj.multiprocessing.Queue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What idle virtual threads waiting in forkj's queues cost the rest of the JVM (JDK 21+):
 * {@code VirtualWaiters IDLE}: IDLE virtual threads in one queue's {@code get()}, then 50 round trips between two
 * other virtual threads through two more queues (median, p90, max), then the JVM's CPU while the waiters idle for
 * 5 s, and its resident set. Not a paired row: README quotes it beside the code version it measured.
 */
public final class VirtualWaiters {
    private VirtualWaiters() {
    }

    public static void main(String[] args) throws Exception {
        int idle = Integer.parseInt(args[0]);
        int rounds = 50;
        Queue<Integer> never = new Queue<>();
        Queue<Integer> ping = new Queue<>();
        Queue<Integer> pong = new Queue<>();
        for (int i = 0; i < idle; i++) {
            virtual(() -> never.get());
        }
        Thread.sleep(2000);
        long[] roundTrip = new long[rounds];
        CountDownLatch done = new CountDownLatch(1);
        virtual(() -> {
            for (int i = 0; i < rounds; i++) {
                pong.put(ping.get());
            }
        });
        virtual(() -> {
            for (int i = 0; i < rounds; i++) {
                long t = System.nanoTime();
                ping.put(i);
                pong.get();
                roundTrip[i] = System.nanoTime() - t;
            }
            done.countDown();
        });
        if (!done.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("round trips not done in 120 s");
        }
        Arrays.sort(roundTrip);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu = os.getProcessCpuTime();
        long wall = System.nanoTime();
        Thread.sleep(5000);
        double cpuShare = (os.getProcessCpuTime() - cpu) / (double) (System.nanoTime() - wall);
        long rssPages = Long.parseLong(Files.readString(Path.of("/proc/self/statm")).split(" ")[1]);
        System.out.printf("idle virtual waiters %d: round trip median %.2f ms, p90 %.2f ms, max %.2f ms;"
                        + " idle CPU %.1f%% of a core; resident %d MiB%n", idle, roundTrip[rounds / 2] / 1e6,
                roundTrip[rounds * 9 / 10] / 1e6, roundTrip[rounds - 1] / 1e6, 100 * cpuShare, rssPages * 4 / 1024);
        System.exit(0);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void virtual(Body body) throws ReflectiveOperationException {
        Runnable task = () -> {
            try {
                body.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null); // JDK 21 API; this code compiles for 17
        Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(builder, task);
    }
}
