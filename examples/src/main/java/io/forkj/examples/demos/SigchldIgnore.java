package io.forkj.examples.demos;

import io.forkj.PosixException;
import io.forkj.ProcessTable;
import io.forkj.posix.Fork;
import io.forkj.signals.ChildSignals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Seed 001 "sigchld-ignore": with SIGCHLD ignored the kernel reaps children itself: no zombie, ever. */
final class SigchldIgnore implements Demo {
    @Override
    public String name() {
        return "sigchld-ignore";
    }

    @Override
    public List<String> explanation() {
        return List.of("signal(SIGCHLD, SIG_IGN) tells the kernel this parent will not wait: exited children vanish at once.",
                "Look for three exited children that never show up as zombies, and wait() failing with ECHILD.");
    }

    @Override
    public int run() throws Exception {
        int self = Show.POSIX.getpid();
        ChildSignals.ignore();
        boolean noZombies;
        String waitResult;
        try {
            System.out.println("signal.signal(signal.SIGCHLD, signal.SIG_IGN) -- done with sigaction in " + self);
            List<Integer> pids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pids.add(Fork.run(Show.FORK, ctx -> ctx.exit(0)).pid());
            }
            System.out.println("forked and let exit: " + pids);
            noZombies = Show.await(Duration.ofSeconds(10), () -> pids.stream().noneMatch(Show.POSIX::exists));
            System.out.println("zombies among them: " + ProcessTable.snapshot().zombies().stream()
                    .filter(z -> pids.contains(z.process().pid())).count());
            try {
                waitResult = "wait() returned " + Show.POSIX.waitAny();
            } catch (PosixException e) {
                waitResult = "wait() failed: " + e.getMessage();
            }
        } finally {
            ChildSignals.restore();
        }
        System.out.println(waitResult);
        System.out.println("SIGCHLD disposition restored");
        return noZombies && waitResult.contains("ECHILD") ? 0 : 1;
    }
}
