package io.forkj.examples.demos;

import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;

import java.util.List;

/** Seed 001 "zombie": a child that exited and was not waited for stays in the table as Z until reaped. */
final class Zombie implements Demo {
    @Override
    public String name() {
        return "zombie";
    }

    @Override
    public List<String> explanation() {
        return List.of("A child that exits before its parent waits keeps its pid and exit status in the kernel: a zombie.",
                "Look for STAT Z in ps while the parent does not wait, and the process gone once wait() reaps it.");
    }

    @Override
    public int run() throws Exception {
        Child child = Fork.run(Show.FORK, ctx -> ctx.exit(0));
        System.out.println("child " + child.pid() + " exits at once; the parent " + Show.POSIX.getpid() + " does not wait yet");
        boolean zombie = Show.awaitState(child.pid(), 'Z');
        Show.lifecycle("child", child.pid());
        Show.ps(child.pid());
        WaitStatus status = child.waitFor();
        System.out.println("parent calls wait(): " + status);
        Show.lifecycle("child", child.pid());
        Show.ps(child.pid());
        boolean gone = !Show.POSIX.exists(child.pid());
        return zombie && gone ? 0 : 1;
    }
}
