package io.forkj.posix;

import io.forkj.FiveState;
import io.forkj.KernelState;
import io.forkj.ProcessIdentity;
import io.forkj.ProcessTableProvider;
import io.forkj.posix.internal.proc.ProcSampler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The observed life of one process in the five-state model: NEW, then READY/RUNNING and BLOCKED as often as it
 * changes, then TERMINATED as a zombie, then TERMINATED and gone (reaped). Each change of state or of the
 * kernel's letter (so S → T, both BLOCKED, counts) is a {@link Transition} with its time, kept in order and
 * handed to listeners.
 *
 * <p>Observed means sampled: one daemon thread ({@code forkj-lifecycle}) reads {@code /proc/PID/stat} and
 * {@code /proc/PID/schedstat} every {@code interval} (10 ms by default) for every tracked process. A state that
 * lasts less than an interval may be missed. For the kernel's {@code R}, RUNNING means its time on CPU grew
 * since the previous sample, READY that it did not, so the interval is also the sampling window. The process is
 * known by its {@link ProcessIdentity}, so a recycled pid reads as "gone", never as the old process. Nothing
 * here waits for or reaps the process: whoever reaps it may call {@link #reaped()} so the last transition is
 * exact rather than sampled. There is no C or Python equivalent; {@code top} and psutil's {@code status()} give
 * the single samples this strings together.
 */
public final class Lifecycle implements AutoCloseable {
    /** How often the sampler looks when no interval is given: 10 ms. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(10);

    private static final ScheduledExecutorService SAMPLER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forkj-lifecycle");
        t.setDaemon(true);
        return t;
    });

    /**
     * What one look showed.
     *
     * @param state       the five-state value
     * @param kernelState the kernel's letter; empty before the first look (NEW) and once the process is gone
     */
    public record Observation(FiveState state, Optional<KernelState> kernelState) {
        /** Before the first look. */
        public static final Observation NEW = new Observation(FiveState.NEW, Optional.empty());
        /** Reaped, or otherwise no longer in /proc. */
        public static final Observation GONE = new Observation(FiveState.TERMINATED, Optional.empty());

        /** {@code BLOCKED(S)}, {@code TERMINATED(Z)}, {@code NEW}, {@code TERMINATED(gone)}. */
        @Override
        public String toString() {
            return kernelState.map(k -> state + "(" + k.letter() + ")")
                    .orElse(state == FiveState.TERMINATED ? state + "(gone)" : state.toString());
        }
    }

    /**
     * One observed change.
     *
     * @param from what the previous look showed
     * @param to   what this look showed
     * @param at   when this look was taken
     */
    public record Transition(Observation from, Observation to, Instant at) {
        @Override
        public String toString() {
            return from + " -> " + to + " at " + at;
        }
    }

    /** Told of every transition, on the sampler thread (or on the thread calling {@link #reaped()}). */
    @FunctionalInterface
    public interface Listener {
        /** Must be quick: one thread samples every tracked process. */
        void onTransition(Lifecycle lifecycle, Transition transition);
    }

    private final ProcessIdentity process;
    private final boolean reapedHere;
    private final List<Transition> transitions = new ArrayList<>();
    private final List<Listener> listeners = new ArrayList<>();
    private final ScheduledFuture<?> polling;
    private Observation current = Observation.NEW;
    private long lastCpuNanos = -1;

    private Lifecycle(ProcessIdentity process, boolean reapedHere, Duration interval) {
        this.process = process;
        this.reapedHere = reapedHere;
        this.polling = SAMPLER.scheduleWithFixedDelay(this::poll, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Starts tracking {@code process}, sampling every {@link #DEFAULT_INTERVAL}.
     *
     * @param reapedByThisJvm whether this JVM will reap it (it is our child and someone waits for it): its end
     *                        is then reported by {@link #reaped()} rather than only sampled
     */
    public static Lifecycle track(ProcessIdentity process, boolean reapedByThisJvm) {
        return track(process, reapedByThisJvm, DEFAULT_INTERVAL);
    }

    /**
     * Starts tracking {@code process}, sampling every {@code interval}.
     *
     * @throws IllegalArgumentException if {@code interval} is shorter than 1 ms
     */
    public static Lifecycle track(ProcessIdentity process, boolean reapedByThisJvm, Duration interval) {
        if (interval.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("sampling interval " + interval + " is shorter than 1 ms");
        }
        return new Lifecycle(process, reapedByThisJvm, interval);
    }

    /** The process tracked. */
    public ProcessIdentity process() {
        return process;
    }

    /** Whether this JVM reaps the process (as given to {@link #track}). */
    public boolean reapedByThisJvm() {
        return reapedHere;
    }

    /** What the last look showed. */
    public synchronized Observation current() {
        return current;
    }

    /** Every transition so far, oldest first. */
    public synchronized List<Transition> transitions() {
        return List.copyOf(transitions);
    }

    /** Whether the sampler still looks: false once the process is gone or after {@link #close()}. */
    public boolean isTracking() {
        return !polling.isDone();
    }

    /**
     * Adds a listener. It is first handed every transition already recorded, then each new one, so a listener
     * added just after {@link #track} misses nothing however fast the sampler was.
     */
    public synchronized Lifecycle addListener(Listener listener) {
        for (Transition t : transitions) {
            tell(listener, t);
        }
        listeners.add(listener);
        return this;
    }

    /**
     * Waits until the current observation satisfies {@code condition}, for at most {@code timeout}.
     *
     * @return whether it did
     */
    public synchronized boolean await(Predicate<Observation> condition, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.test(current)) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /**
     * Tells the lifecycle that this JVM has just reaped the process ({@code waitpid} returned it): records the
     * last transition now and stops sampling.
     */
    public void reaped() {
        polling.cancel(false);
        record(Observation.GONE);
    }

    /** Stops sampling; the transitions seen so far stay. */
    @Override
    public void close() {
        polling.cancel(false);
    }

    /** The sampler thread's own /proc handle: opened on its first look, kept for the JVM's life. */
    private static ProcSampler samplerReader;

    /** Only ever called on the single {@code forkj-lifecycle} thread, so the field needs no lock. */
    private static ProcSampler samplerThreadReader() {
        if (samplerReader == null) {
            samplerReader = new ProcSampler();
        }
        return samplerReader;
    }

    private void poll() {
        try {
            Optional<ProcessTableProvider.Sample> sample = samplerThreadReader().sample(process);
            if (sample.isEmpty()) {
                polling.cancel(false);
                record(Observation.GONE);
                return;
            }
            KernelState k = sample.get().kernelState();
            long cpu = sample.get().cpuNanos();
            long previous = lastCpuNanos;
            lastCpuNanos = cpu;
            if (k == KernelState.RUNNABLE && previous < 0) {
                return; // READY or RUNNING needs a second look to see whether CPU time grew
            }
            record(new Observation(k.fiveState(cpu > previous), Optional.of(k)));
        } catch (RuntimeException e) {
            // A sampler that dies stops every lifecycle; one bad look is reported and the next one tried.
            System.getLogger(Lifecycle.class.getName()).log(System.Logger.Level.WARNING,
                    "sampling " + process + " failed", e);
        }
    }

    private synchronized void record(Observation next) {
        if (next.equals(current) || current.equals(Observation.GONE)) {
            return;
        }
        Transition t = new Transition(current, next, Instant.now());
        current = next;
        transitions.add(t);
        notifyAll();
        for (Listener l : listeners) {
            tell(l, t);
        }
    }

    private void tell(Listener l, Transition t) {
        try {
            l.onTransition(this, t);
        } catch (RuntimeException e) {
            System.getLogger(Lifecycle.class.getName()).log(System.Logger.Level.WARNING,
                    "lifecycle listener failed on " + t, e);
        }
    }

    @Override
    public synchronized String toString() {
        return "Lifecycle[" + process + ", " + current + ", " + transitions.size() + " transitions]";
    }
}
