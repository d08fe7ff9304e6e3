package io.forkj.examples.demos;

import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;

import java.util.List;

/** Seed 001 "wait": the parent blocks in wait until the child exits, then reads WEXITSTATUS. */
final class Wait implements Demo {
    @Override
    public String name() {
        return "wait";
    }

    @Override
    public List<String> explanation() {
        return List.of("wait() blocks the parent until a child ends, reaps it, and returns its pid and status.",
                "Look for the pid the child printed coming back from wait with status 1, and no zombie left.");
    }

    @Override
    public int run() throws Exception {
        Child child = Fork.run(Show.FORK, ctx -> {
            ctx.out("Child process ");
            ctx.out((long) ctx.getpid());
            ctx.out("\n");
            ctx.exit(1);
        });
        WaitStatus status = child.waitFor();
        System.out.println("pid :  " + status.pid());
        System.out.println("status:  " + (status instanceof WaitStatus.Exited ? ((WaitStatus.Exited) status).code() : status));
        Show.lifecycle("child", child.pid());
        return status.equals(new WaitStatus.Exited(child.pid(), 1)) ? 0 : 1;
    }
}
