package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.pool.WorkerLauncher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pool's task protocol with thread workers: chunking, ordering, errors, callbacks, quotas, worker death. */
@Timeout(60)
class PoolProtocolTest {
    static final CountDownLatch RELEASE = new CountDownLatch(1);
    static final CountDownLatch STARTED = new CountDownLatch(1);
    static final CountDownLatch FIRST_STARTED = new CountDownLatch(1);
    static final CountDownLatch FIRST_RELEASE = new CountDownLatch(1);

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().collect(Collectors.toList());
    }

    @Test
    void mapKeepsOrderWithDefaultAndExplicitChunksizes() {
        try (Pool pool = new Pool(3, null, 0, new ThreadLauncher())) {
            assertThat(pool.map((Integer x) -> x * x, range(1000))).isEqualTo(
                    range(1000).stream().map(x -> x * x).collect(Collectors.toList()));
            assertThat(pool.map((Integer x) -> x + 1, range(10), 4)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            assertThat(pool.map((Integer x) -> x, List.of())).isEmpty();
        }
    }

    record Pair(int n, String name) implements java.io.Serializable {
    }

    record Holder(Object value) implements java.io.Serializable {
    }

    /** Every value the compact chunk form carries, and the ones it must not mangle, both ways. */
    @Test
    void mapCarriesEveryCompactValueBothWaysAsItWas() {
        List<Object> values = new ArrayList<>(java.util.Arrays.asList(null, 0, -1, Integer.MAX_VALUE, Long.MIN_VALUE,
                -0.0, Double.NaN, 1.5, true, false, "", "ascii", "包子", "emoji \uD83D\uDE00", "a lone \uD800 surrogate",
                new byte[] {1, -2, 3}, new byte[0]));
        try (Pool pool = new Pool(2, null, 0, new ThreadLauncher())) {
            List<Object> back = pool.map((Object x) -> x, values, 3);
            assertThat(back).hasSameSizeAs(values);
            for (int i = 0; i < values.size(); i++) {
                if (values.get(i) instanceof byte[]) {
                    assertThat((byte[]) back.get(i)).as("item %d", i).containsExactly((byte[]) values.get(i));
                } else {
                    assertThat(back.get(i)).as("item %d", i).isEqualTo(values.get(i));
                }
            }
            // A chunk that mixes compact values with one that is not: all of it by Java serialization.
            List<Object> mixed = List.of(1, "two", new ArrayList<>(List.of(3)), "a lone \uDC00");
            assertThat(pool.map((Object x) -> x, mixed, 4)).isEqualTo(mixed);
            // Records in, records out, in the compact form and (one holding a list) serialized.
            List<Object> records = List.of(new Pair(1, "one"), new Pair(2, null), new Holder(new Pair(3, "three")),
                    new Holder(List.of(4)));
            assertThat(pool.map((Object x) -> x instanceof Pair p ? new Pair(p.n() * 10, p.name()) : x, records, 2))
                    .containsExactly(new Pair(10, "one"), new Pair(20, null), new Holder(new Pair(3, "three")),
                            new Holder(List.of(4)));
        }
    }

    @Test
    void imapIsOrderedAndImapUnorderedDeliversEveryResultOnce() {
        try (Pool pool = new Pool(2, null, 0, new ThreadLauncher())) {
            List<Integer> ordered = new ArrayList<>();
            pool.imap((Integer x) -> x * 2, range(500)).forEachRemaining(ordered::add);
            assertThat(ordered).isEqualTo(range(500).stream().map(x -> x * 2).collect(Collectors.toList()));
            List<Integer> unordered = new ArrayList<>();
            pool.imapUnordered((Integer x) -> x * 2, range(500), 7).forEachRemaining(unordered::add);
            assertThat(unordered).containsExactlyInAnyOrderElementsOf(ordered);
        }
    }

    @Test
    void imapTakesItemsLazilyFromAnEndlessSource() throws Exception {
        try (Pool pool = new Pool(2, null, 0, new ThreadLauncher())) {
            Iterable<Integer> naturals = () -> IntStream.iterate(0, i -> i + 1).iterator();
            ImapIterator<Integer> it = pool.imap((Integer x) -> x + 1, naturals);
            for (int i = 1; i <= 1000; i++) {
                assertThat(it.next(30, TimeUnit.SECONDS)).isEqualTo(i);
            }
            pool.terminate();
        }
    }

    @Test
    void starmapPassesBothArguments() {
        try (Pool pool = new Pool(2, null, 0, new ThreadLauncher())) {
            List<Map.Entry<Integer, Integer>> pairs = List.of(Map.entry(1, 2), Map.entry(3, 4), Map.entry(5, 6));
            assertThat(pool.starmap((Integer a, Integer b) -> a * b, pairs)).containsExactly(2, 12, 30);
        }
    }

    @Test
    void taskExceptionsReachFuturesCallbacksAndSynchronousCalls() throws Exception {
        try (Pool pool = new Pool(2, null, 0, new ThreadLauncher())) {
            CompletableFuture<Throwable> seen = new CompletableFuture<>();
            CompletableFuture<Integer> f = pool.applyAsync(() -> {
                throw new IllegalStateException("boom in task");
            }, v -> seen.complete(null), seen::complete);
            assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("boom in task");
            assertThat(seen.get(30, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> pool.map((Integer x) -> {
                if (x == 37) {
                    throw new ArithmeticException("no 37");
                }
                return x;
            }, range(100))).isInstanceOf(ArithmeticException.class).hasMessage("no 37");
            ImapIterator<Integer> it = pool.imap((Integer x) -> 10 / (x - 2), range(4));
            assertThat(it.next()).isEqualTo(-5);
            assertThat(it.next()).isEqualTo(-10);
            assertThatThrownBy(it::next).isInstanceOf(ArithmeticException.class);
            assertThat(it.next()).isEqualTo(10);
            assertThat(it.hasNext()).isFalse();
            CompletableFuture<Integer> ok = new CompletableFuture<>();
            pool.applyAsync(() -> 42, ok::complete, null);
            assertThat(ok.get(30, TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(pool.apply((String s) -> s.length(), "four")).isEqualTo(4);
        }
    }

    @Test
    void checkedExceptionsAreWrappedAndUnserializableResultsReported() {
        try (Pool pool = new Pool(1, null, 0, new ThreadLauncher())) {
            assertThatThrownBy(() -> pool.apply(() -> {
                throw new java.io.IOException("disk");
            })).isInstanceOf(java.util.concurrent.CompletionException.class).hasCauseInstanceOf(java.io.IOException.class);
            assertThatThrownBy(() -> pool.apply(Object::new)).isInstanceOf(ResultEncodingException.class)
                    .hasMessageContaining("java.lang.Object");
            assertThat(pool.apply(() -> "still serving")).isEqualTo("still serving");
        }
    }

    /**
     * An object whose reading throws an Error, as an {@link OutOfMemoryError} for one too large for the reader's
     * heap, or the {@link ExceptionInInitializerError} of a record class, would: read in the parent as a result,
     * in the worker when a function captures it.
     */
    static final class UnreadableHere implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        private void readObject(java.io.ObjectInputStream in) {
            throw new OutOfMemoryError("simulated: no heap left for this result");
        }
    }

    @Test
    void aResultWhoseReadingThrowsAnErrorFailsItsTaskAndThePoolGoesOn() throws Exception {
        // CPython's pool hangs when a result cannot be unpickled; here the reader thread died of the Error, the
        // task never completed, and the worker was never replaced.
        try (Pool pool = new Pool(1, null, 0, new ThreadLauncher())) {
            CompletableFuture<UnreadableHere> unreadable = pool.applyAsync(UnreadableHere::new);
            assertThatThrownBy(() -> unreadable.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ResultEncodingException.class)
                    .hasMessageContaining("could not be read").hasStackTraceContaining("no heap left for this result");
            assertThat(pool.applyAsync(() -> "still serving").get(30, TimeUnit.SECONDS)).isEqualTo("still serving");
            assertThat(pool.map((Integer x) -> x + 1, range(100), 10)).isEqualTo(
                    range(100).stream().map(x -> x + 1).collect(Collectors.toList()));
        }
    }

    @Test
    void aFunctionWhoseReadingThrowsAnErrorFailsItsJobAndTheWorkerGoesOn() {
        // The worker reads the function once per job; an Error there used to end the worker's loop (and the
        // worker), so every worker the pool started for the job died the same way.
        ThreadLauncher launcher = new ThreadLauncher();
        try (Pool pool = new Pool(1, null, 0, launcher)) {
            UnreadableHere captured = new UnreadableHere();
            assertThatThrownBy(() -> pool.map((Integer x) -> x + captured.hashCode(), range(20), 5))
                    .hasStackTraceContaining("no heap left for this result");
            assertThat(pool.map((Integer x) -> x * 2, range(20), 5)).isEqualTo(
                    range(20).stream().map(x -> x * 2).collect(Collectors.toList()));
            assertThat(launcher.launched).hasSize(1);
        }
    }

    @Test
    void nonSerializableTasksAreRefusedAtSubmitNamingTheClass() {
        try (Pool pool = new Pool(1, null, 0, new ThreadLauncher())) {
            Object notSerializable = new Object();
            assertThatThrownBy(() -> pool.applyAsync(() -> notSerializable.hashCode()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Object");
            assertThatThrownBy(() -> pool.map((Object o) -> o, List.of(new Object())))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Object");
        }
    }

    @Test
    void aDeadWorkerFailsOnlyItsRunningTaskAndIsReplaced() throws Exception {
        ThreadLauncher launcher = new ThreadLauncher();
        try (Pool pool = new Pool(1, null, 0, launcher)) {
            aDeadWorker(pool, launcher);
        } finally {
            RELEASE.countDown();
        }
    }

    private void aDeadWorker(Pool pool, ThreadLauncher launcher) throws Exception {
        {
            CompletableFuture<String> stuck = pool.applyAsync(() -> {
                STARTED.countDown();
                RELEASE.await();
                return "late";
            });
            List<CompletableFuture<Integer>> queued = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                queued.add(pool.applyAsync(() -> n));
            }
            assertThat(STARTED.await(30, TimeUnit.SECONDS)).isTrue();
            ThreadLauncher.ThreadLink victim = launcher.launched.get(0);
            victim.kill();
            assertThatThrownBy(() -> stuck.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(WorkerDiedException.class)
                    .hasMessageContaining("pid " + victim.pid).hasMessageContaining("-9").hasMessageContaining("SIGKILL");
            for (int i = 0; i < 5; i++) {
                assertThat(queued.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i);
            }
            assertThat(launcher.launched).hasSize(2);
        }
    }

    @Test
    void maxTasksPerChildReplacesWorkers() {
        ThreadLauncher launcher = new ThreadLauncher();
        try (Pool pool = new Pool(2, null, 3, launcher)) {
            assertThat(pool.map((Integer x) -> x, range(30), 1)).isEqualTo(range(30));
        }
        assertThat(launcher.launched.size()).isGreaterThanOrEqualTo(10);
        assertThat(launcher.launched).allMatch(l -> l.code == 0);
    }

    @Test
    void aFailingInitializerBreaksThePoolInsteadOfLooping() {
        try (Pool pool = new Pool(2, () -> {
            throw new IllegalStateException("no config");
        }, 0, new ThreadLauncher())) {
            // The pool may break before the task is submitted (applyAsync then throws, naming the cause) or after
            // (the future fails): either way the caller learns the initializer's error, and nothing loops.
            assertThatThrownBy(() -> pool.applyAsync(() -> 1).get(30, TimeUnit.SECONDS))
                    .hasStackTraceContaining("no config");
        }
    }

    @Test
    void aWorkerStartThatThrowsAnErrorBreaksThePoolInsteadOfHanging() {
        // An Error (here the NoClassDefFoundError of a classpath without forkj-posix, as seen) used to end the
        // starter thread with nothing recorded: map() then waited for ever on a worker that would never come.
        WorkerLauncher missingClass = () -> {
            throw new NoClassDefFoundError("io/forkj/PosixException");
        };
        try (Pool pool = new Pool(2, null, 0, missingClass)) {
            assertThatThrownBy(() -> pool.applyAsync(() -> 1).get(30, TimeUnit.SECONDS))
                    .hasStackTraceContaining("a pool worker could not be started")
                    .hasStackTraceContaining("io/forkj/PosixException");
        }
    }

    @Test
    void terminateCancelsUnfinishedTasksAndCloseRefusesNewOnes() throws Exception {
        ThreadLauncher launcher = new ThreadLauncher();
        Pool pool = new Pool(1, null, 0, launcher);
        CompletableFuture<Integer> running = pool.applyAsync(() -> {
            Thread.sleep(60_000);
            return 1;
        });
        CompletableFuture<Integer> waiting = pool.applyAsync(() -> 2);
        pool.terminate();
        assertThatThrownBy(() -> running.get(30, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        assertThat(waiting.isCompletedExceptionally()).isTrue();
        assertThatThrownBy(() -> pool.applyAsync(() -> 3)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Pool not running");
        assertThat(launcher.launched).allMatch(ThreadLauncher.ThreadLink::exited);
    }

    @Test
    void cancelRemovesATaskNoWorkerStartedAndNotOneThatRuns() throws Exception {
        try (Pool pool = new Pool(1, null, 0, new ThreadLauncher())) {
            CompletableFuture<Integer> first = pool.applyAsync(() -> {
                FIRST_STARTED.countDown();
                FIRST_RELEASE.await();
                return 1;
            });
            CompletableFuture<Integer> second = pool.applyAsync(() -> 2);
            CompletableFuture<Integer> third = pool.applyAsync(() -> 3);
            assertThat(FIRST_STARTED.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(first.cancel(false)).as("a running task is not cancelled").isFalse();
            assertThat(third.cancel(false)).as("the only worker is busy: the third task cannot have started").isTrue();
            FIRST_RELEASE.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(third.isCancelled()).isTrue();
            assertThatThrownBy(() -> third.get(30, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        }
    }

    @Test
    void imapNextTimesOut() throws Exception {
        try (Pool pool = new Pool(1, null, 0, new ThreadLauncher())) {
            ImapIterator<Integer> it = pool.imap((Integer x) -> {
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return x;
            }, List.of(1));
            assertThatThrownBy(() -> it.next(10, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(it.next(30, TimeUnit.SECONDS)).isEqualTo(1);
        }
    }

    @Test
    void defaultChunksizeFollowsCPython() {
        assertThat(io.forkj.multiprocessing.internal.pool.PoolSupport.defaultChunksize(100_000, 2)).isEqualTo(12_500);
        assertThat(io.forkj.multiprocessing.internal.pool.PoolSupport.defaultChunksize(10, 4)).isEqualTo(1);
        assertThat(io.forkj.multiprocessing.internal.pool.PoolSupport.defaultChunksize(17, 2)).isEqualTo(3);
    }
}
