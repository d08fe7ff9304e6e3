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
        Child child = Fork.run(Show.FORK, ctx -> {
            int forkedBy = ctx.getpid();
            // Printed before the fork: each piece is its own write(2), so two processes printing at once
            // would mix their lines.
            ctx.out("child ");
            ctx.out((long) forkedBy);
            ctx.out(": forking a grandchild, then exiting without waiting for it\n");
            int grandchild = posix.fork();
            if (grandchild == 0) {
                // The child may already be gone by now (no handshake: code a forked child runs must stay
                // minimal), so the first getppid() is whichever parent the grandchild has at this moment.
                ctx.out("grandchild ");
                ctx.out((long) posix.getpid());
                ctx.out(": forked by child ");
                ctx.out((long) forkedBy);
                ctx.out(", getppid() = ");
                ctx.out((long) posix.getppid());
                ctx.out("\n");
                // Sleep, not spin: a hot loop in a forked JVM child can ask the JIT for a compilation and stall.
                for (int i = 0; i < 5000 && posix.getppid() == forkedBy; i++) {
                    Thread.sleep(2);
                }
                ctx.out("grandchild ");
                ctx.out((long) posix.getpid());
                ctx.out(": getppid() = ");
                ctx.out((long) posix.getppid());
                ctx.out(" (its parent died: adopted, an orphan)\n");
                posix._exit(posix.getppid() == self ? 0 : 1);
            }
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
