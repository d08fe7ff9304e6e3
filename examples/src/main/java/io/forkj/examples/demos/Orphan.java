package io.forkj.examples.demos;

import io.forkj.ProcessTable;
import io.forkj.Posix;
import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;
import io.forkj.signals.Subreaper;

import java.time.Duration;
import java.util.List;

/**
 * Seed 001 "orphan": a process whose parent exits first is adopted. This JVM makes itself a child subreaper
 * (PR_SET_CHILD_SUBREAPER), so the orphan is adopted here rather than by init, and can be reaped here.
 */
final class Orphan implements Demo {
    @Override
    public String name() {
        return "orphan";
    }

    @Override
    public List<String> explanation() {
        return List.of("When a parent exits before its child, the child is an orphan: init or the nearest subreaper adopts it.",
                "Look for the grandchild's getppid() changing from its parent's pid to this JVM's (a subreaper here).");
    }

    @Override
    public int run() throws Exception {
        boolean wasSubreaper = Subreaper.isEnabled();
        Subreaper.enable();
        int self = Show.POSIX.getpid();
        System.out.println("this JVM " + self + " is now a child subreaper: orphans below it are adopted by it, not by init");
        Posix posix = Show.POSIX;
        Thread.sleep(1); // the grandchild sleeps: run that path once here, never first in a child
        Child child = Fork.run(ctx -> {
            int grandchild = posix.fork();
            if (grandchild == 0) {
                int parent = posix.getppid();
                ctx.out("grandchild ");
                ctx.out(Integer.toString(posix.getpid()));
                ctx.out(": getppid() = ");
                ctx.out(Integer.toString(parent));
                ctx.out(" (my parent)\n");
                // Sleep, not spin: a hot loop in a forked JVM child can ask the JIT for a compilation and stall.
                for (int i = 0; i < 5000 && posix.getppid() == parent; i++) {
                    Thread.sleep(2);
                }
                ctx.out("grandchild ");
                ctx.out(Integer.toString(posix.getpid()));
                ctx.out(": getppid() = ");
                ctx.out(Integer.toString(posix.getppid()));
                ctx.out(" (adopted: I am an orphan)\n");
                posix._exit(posix.getppid() == self ? 0 : 1);
            }
            ctx.out("child ");
            ctx.out(Integer.toString(ctx.getpid()));
            ctx.out(": forked grandchild ");
            ctx.out(Integer.toString(grandchild));
            ctx.out(", exiting without waiting for it\n");
        });
        child.waitFor();
        int grandchild = Show.await(Duration.ofSeconds(10), () -> !ProcessTable.snapshot().children(self).isEmpty())
                ? ProcessTable.snapshot().children(self).get(0).pid() : -1;
        if (grandchild < 0) {
            System.out.println("no orphan was adopted: FAILED");
            return 1;
        }
        WaitStatus status = Show.reap(grandchild);
        System.out.println("this JVM reaped its adopted orphan " + grandchild + ": " + status);
        if (!wasSubreaper) {
            Subreaper.disable();
        }
        return status.equals(new WaitStatus.Exited(grandchild, 0)) ? 0 : 1;
    }
}
