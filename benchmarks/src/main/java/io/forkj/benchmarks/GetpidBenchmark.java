package io.forkj.benchmarks;

import io.forkj.Posix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** getpid/getppid through the facade, against C's syscall(SYS_getpid) loop measured by run.sh. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xshare:auto"})
public class GetpidBenchmark {
    private final Posix posix = Posix.get();

    /** Facade getpid. */
    @Benchmark
    public int getpid() {
        return posix.getpid();
    }

    /** Facade getppid. */
    @Benchmark
    public int getppid() {
        return posix.getppid();
    }
}
