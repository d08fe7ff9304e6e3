package io.forkj.examples.demos;

import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;

import java.util.List;

/** Seed 001 "pids": getpid and getppid on both sides of a fork. */
final class Pids implements Demo {
    @Override
    public String name() {
        return "pids";
    }

    @Override
    public List<String> explanation() {
        return List.of("Every process has its own pid; the child's getppid() is the parent's getpid().",
                "Look for the same two numbers seen from both sides.");
    }

    @Override
    public int run() throws Exception {
        int parent = Show.POSIX.getpid();
        Child child = Fork.run(Show.FORK, ctx -> {
            ctx.out("Child PID: ");
            ctx.out((long) ctx.getpid());
            ctx.out("\nGet parent PID: ");
            ctx.out((long) ctx.getppid());
            ctx.out("\n");
            ctx.exit(ctx.getppid() == parent ? 0 : 1);
        });
        WaitStatus status = child.waitFor();
        System.out.println("Get child PID: " + child.pid());
        System.out.println("Parent PID: " + parent);
        return status.equals(new WaitStatus.Exited(child.pid(), 0)) ? 0 : 1;
    }
}
