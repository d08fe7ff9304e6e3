package io.forkj.benchmarks;

import io.forkj.Posix;
import io.forkj.ProcessTable;
import io.forkj.Signal;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import oshi.SystemInfo;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A full process table with {@code sleepers} extra sleeping processes alive: forkj's
 * {@link ProcessTable#snapshot()} against OSHI's {@code OperatingSystem.getProcesses()} and against running
 * {@code ps -eo pid,ppid,stat,comm} and reading its output. Run:
 * <pre>
 * mvn -B -q package dependency:build-classpath -pl benchmarks -am -DskipTests -Dmdep.outputFile=/tmp/cp.txt
 * java -cp benchmarks/target/classes:$(cat /tmp/cp.txt) org.openjdk.jmh.Main ProcessTableBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ProcessTableBenchmark {
    /** Extra sleeping processes, all in one process group so teardown kills them with one killpg. */
    @Param("1000")
    public int sleepers;

    private Process herd;
    private OperatingSystem oshi;

    /** Starts the sleepers and waits (60 s at most) until all are there. */
    @Setup(Level.Trial)
    public void startSleepers() throws IOException, InterruptedException {
        // The snapshot reads through the native binding once it is loaded (a long-lived program that forks or
        // signals has loaded it): load it first, so every iteration measures that reader.
        Posix.get().getpid();
        herd = new ProcessBuilder("setsid", "sh", "-c", "for i in $(seq " + sleepers + "); do sleep 3600 & done; wait")
                .inheritIO().start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ProcessTable.snapshot().children((int) herd.pid()).size() < sleepers) {
            if (System.nanoTime() - end > 0) {
                stopSleepers();
                throw new IllegalStateException("the " + sleepers + " sleepers did not start within 60 s");
            }
            Thread.sleep(50);
        }
        oshi = new SystemInfo().getOperatingSystem();
    }

    /** Kills the sleepers' group; init reaps the sleepers, the JDK reaps the shell. */
    @TearDown(Level.Trial)
    public void stopSleepers() throws InterruptedException {
        Posix.get().killProcessGroup((int) herd.pid(), Signal.SIGKILL);
        herd.waitFor(10, TimeUnit.SECONDS);
    }

    /** forkj: one scan of /proc (stat and status per process). */
    @Benchmark
    public ProcessTable forkjSnapshot() {
        return ProcessTable.snapshot();
    }

    /** OSHI: every process with its details. */
    @Benchmark
    public List<OSProcess> oshiGetProcesses() {
        return oshi.getProcesses();
    }

    /** ps: what a Java program pays to ask procps for the same columns. */
    @Benchmark
    public byte[] psCommand() throws IOException, InterruptedException {
        Process ps = new ProcessBuilder("ps", "-eo", "pid,ppid,stat,comm").redirectErrorStream(true).start();
        byte[] out = ps.getInputStream().readAllBytes();
        if (!ps.waitFor(10, TimeUnit.SECONDS)) {
            ps.destroyForcibly();
            throw new IllegalStateException("ps did not finish within 10 s");
        }
        return out;
    }
}
