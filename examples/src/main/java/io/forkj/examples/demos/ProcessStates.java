package io.forkj.examples.demos;

import io.forkj.Signal;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;
import io.forkj.posix.ForkOptions;
import io.forkj.posix.Spawn;

import java.time.Duration;
import java.util.List;

/** Seed 001's process states: R, S, T and Z shown with their three-state and five-state names. */
final class ProcessStates implements Demo {
    @Override
    public String name() {
        return "process-states";
    }

    @Override
    public List<String> explanation() {
        return List.of("ps STAT letters map to the textbook states: R ready/running, S and T blocked, Z terminated.",
                "Look for one child in each state, as ps and the three-/five-state model see it.");
    }

    @Override
    public int run() throws Exception {
        ForkOptions options = Show.FORK.deadline(Duration.ofSeconds(30));
        // The busy process is `yes > /dev/null`: a hot loop in a forked JVM child would ask the JIT for a
        // compilation, which can stall it (see Fork's javadoc).
        Child busy = Spawn.command("yes").stdout(ProcessBuilder.Redirect.DISCARD).exec();
        Child sleeping = Fork.run(options, ctx -> Show.POSIX.kill(ctx.getpid(), Signal.SIGSTOP));
        Child zombie = Fork.run(options, ctx -> ctx.exit(0));
        int ok = 0;
        try {
            ok += report("busy loop (yes)", busy.pid(), 'R');
            ok += report("stopped by SIGSTOP", sleeping.pid(), 'T');
            ok += report("exited, not yet reaped", zombie.pid(), 'Z');
            Show.POSIX.kill(sleeping.pid(), Signal.SIGCONT);
        } finally {
            busy.kill(Signal.SIGKILL);
            sleeping.kill(Signal.SIGKILL);
            busy.waitFor();
            sleeping.waitFor();
            zombie.waitFor();
        }
        Show.lifecycle("reaped", zombie.pid());
        ok += reportSleeping();
        return ok == 4 ? 0 : 1;
    }

    private static int report(String what, int pid, char expected) throws Exception {
        boolean reached = Show.awaitState(pid, expected);
        Show.lifecycle(what, pid);
        Show.ps(pid);
        return reached ? 1 : 0;
    }

    /** The sleeping case: {@code sleep 30}, blocked in nanosleep, as ps shows any idle program. */
    private static int reportSleeping() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            return report("sleeping in nanosleep", (int) sleeper.pid(), 'S');
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }
}
