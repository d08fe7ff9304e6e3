package io.forkj.it;

import io.forkj.Posix;
import io.forkj.Signal;
import io.forkj.WaitStatus;
import io.forkj.posix.ExitWatcher;
import io.forkj.posix.internal.libc.Native;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The pattern of {@code ExitWatcherIT} at scale, in one fresh JVM, for {@code raw-fork-stress.sh}: rounds of 1,000
 * children watched by the shared {@link ExitWatcher}, every {@code every}-th a {@link RawChild} that pauses, the
 * others spawned {@code sh -c 'exit N'}. A raw child stalled before its start byte fails the run (exit status 1).
 * Usage: {@code RawForkStress ROUNDS EVERY}.
 */
public final class RawForkStress {
    private static final int CHILDREN_PER_ROUND = 1000;

    private RawForkStress() {
    }

    /** Runs the rounds; see the class comment. */
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        int every = Integer.parseInt(args[1]);
        List<String> environment = List.of("PATH=" + System.getenv("PATH"));
        ExitWatcher watcher = ExitWatcher.shared();
        Posix posix = Posix.get();
        for (int round = 0; round < rounds; round++) {
            List<CompletableFuture<WaitStatus>> exits = new ArrayList<>();
            List<Integer> paused = new ArrayList<>();
            List<CompletableFuture<WaitStatus>> pausedExits = new ArrayList<>();
            try {
                for (int i = 0; i < CHILDREN_PER_ROUND; i++) {
                    if (i % every == 0) {
                        int pid = RawChild.fork(() -> Native.libc().pause());
                        paused.add(pid);
                        pausedExits.add(watcher.watch(pid));
                    } else {
                        int pid = (int) Native.posix().posix_spawnp("sh", List.of(),
                                List.of("sh", "-c", "exit " + (i % 256)), environment);
                        exits.add(watcher.watch(pid));
                    }
                }
            } finally {
                // Also when a stalled child failed the run: a paused child ends only by this signal, so one whose
                // exit was not seen is still alive and its pid still its own.
                for (int k = 0; k < paused.size(); k++) {
                    if (!pausedExits.get(k).isDone()) {
                        posix.kill(paused.get(k), Signal.SIGKILL);
                    }
                }
            }
            exits.addAll(pausedExits);
            CompletableFuture.allOf(exits.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
            System.out.println("round " + round + ": " + paused.size() + " raw children, all started and reaped");
        }
    }
}
