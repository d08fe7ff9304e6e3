package io.forkj.examples.demos;

import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import io.forkj.Posix;
import io.forkj.WaitOption;
import io.forkj.WaitStatus;

import java.time.Duration;
import java.util.Optional;

/** What the demos print about a process, and the few waits they share; one place for each. */
final class Show {
    static final Posix POSIX = Posix.get();
    /** Demo children finish in milliseconds; a stalled one is reported after 5 s, not the default 30. */
    static final io.forkj.posix.ForkOptions FORK = io.forkj.posix.ForkOptions.defaults().deadline(Duration.ofSeconds(5));

    private Show() {
    }

    /** "S (three-state BLOCKED, five-state BLOCKED)", or "gone (five-state TERMINATED, reaped)". */
    static String state(int pid) {
        Optional<ProcessInfo> info = ProcessTable.process(pid);
        if (info.isEmpty()) {
            return "gone (five-state TERMINATED, reaped)";
        }
        ProcessInfo p = info.get();
        String three = ProcessTable.threeState(p).map(Enum::name).orElse("—");
        return p.state() + " (three-state " + three + ", five-state " + ProcessTable.fiveState(p) + ")";
    }

    /** Prints one line of the lifecycle trace for {@code pid}. */
    static void lifecycle(String who, int pid) {
        System.out.println("    [lifecycle] " + who + " " + pid + ": " + state(pid));
    }

    /** Waits until {@code pid}'s kernel state letter is {@code letter}, at most 10 s. */
    static boolean awaitState(int pid, char letter) {
        return await(Duration.ofSeconds(10), () -> ProcessTable.process(pid).map(p -> p.state() == letter).orElse(false));
    }

    /** Polls {@code condition} every 2 ms until it holds or {@code deadline} passes. */
    static boolean await(Duration deadline, java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Reaps a child that is not a guarded-fork handle (an adopted grandchild), at most 10 s. */
    static WaitStatus reap(int pid) {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() - end < 0) {
            WaitStatus s = POSIX.waitpid(pid, WaitOption.WNOHANG);
            if (!(s instanceof WaitStatus.NoChange)) {
                return s;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        POSIX.kill(pid, io.forkj.Signal.SIGKILL);
        return POSIX.waitpid(pid);
    }

    /** {@code ps -o pid,ppid,stat,comm -p PID} as the system's own witness. */
    static void ps(int pid) throws Exception {
        Process ps = new ProcessBuilder("ps", "-o", "pid,ppid,stat,comm", "-p", Integer.toString(pid))
                .redirectErrorStream(true).start();
        String text = new String(ps.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        ps.waitFor();
        for (String line : text.split("\n")) {
            System.out.println("    $ " + line);
        }
    }
}
