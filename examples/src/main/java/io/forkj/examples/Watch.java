package io.forkj.examples;

import io.forkj.FiveState;
import io.forkj.ProcessIdentity;
import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import io.forkj.ThreeState;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** {@code forkj watch PID}: prints each lifecycle transition of one process until it is gone. */
final class Watch {
    private Watch() {
    }

    static Command command() {
        return new Command("watch", "Print a process's lifecycle transitions live until it exits (Ctrl-C stops).")
                .option("--interval", "MS", "sampling interval in ms (default 20)")
                .operands("PID", 1, 1)
                .body(Watch::watch);
    }

    private static int watch(Arguments a) throws InterruptedException {
        int pid = a.pid("pid", a.operands().get(0));
        long intervalMs = a.positive("--interval", a.value("--interval").orElse("20"));
        Optional<ProcessInfo> first = ProcessTable.process(pid);
        if (first.isEmpty()) {
            a.err().println("forkj watch: no process " + pid);
            return 1;
        }
        ProcessIdentity identity = first.get().identity();
        a.out().println("watching " + ProcessRows.printable(first.get().comm()) + " (" + pid + ")");
        String last = "";
        while (true) {
            Optional<ProcessInfo> now = ProcessTable.process(pid).filter(p -> p.identity().equals(identity));
            String state;
            if (now.isEmpty()) {
                state = "gone: TERMINATED (reaped)";
            } else {
                ProcessInfo p = now.get();
                Optional<ThreeState> three = ProcessTable.threeState(p, Duration.ofMillis(Math.min(intervalMs, 10)));
                state = p.stat() + " " + three.map(Enum::name).orElse("-") + " / "
                        + three.map(FiveState::of).orElse(FiveState.TERMINATED);
            }
            if (!state.equals(last)) {
                a.out().println(Instant.now() + "  " + state);
                last = state;
            }
            if (now.isEmpty()) {
                return 0;
            }
            Thread.sleep(intervalMs);
        }
    }
}
