package io.forkj.examples;

import io.forkj.FiveState;
import io.forkj.ProcessIdentity;
import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import io.forkj.ThreeState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code forkj watch PID}: prints each lifecycle transition of one process until it is gone. */
@Command(name = "watch", description = "Print a process's lifecycle transitions live until it exits (Ctrl-C stops).")
final class Watch implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PID", description = "the process to watch")
    int pid;

    @CommandLine.Option(names = "--interval", paramLabel = "MS", defaultValue = "20", description = "sampling interval in ms (default 20)")
    long intervalMs;

    @Override
    public Integer call() throws InterruptedException {
        ForkjCommand.requirePid(spec.commandLine(), pid);
        if (intervalMs <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "bad --interval " + intervalMs + ": must be > 0 ms");
        }
        Optional<ProcessInfo> first = ProcessTable.process(pid);
        if (first.isEmpty()) {
            System.err.println("forkj watch: no process " + pid);
            return 1;
        }
        ProcessIdentity identity = first.get().identity();
        System.out.println("watching " + ProcessRows.printable(first.get().comm()) + " (" + pid + ")");
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
                System.out.println(Instant.now() + "  " + state);
                last = state;
            }
            if (now.isEmpty()) {
                return 0;
            }
            Thread.sleep(intervalMs);
        }
    }
}
