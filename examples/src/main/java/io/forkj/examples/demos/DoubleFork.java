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
 * Seed 001 "double-fork" (创建二级子进程): the child forks a grandchild and exits at once; the parent reaps the
 * child immediately, so neither waits on the other, and the orphaned grandchild does the second job.
 */
final class DoubleFork implements Demo {
    @Override
    public String name() {
        return "double-fork";
    }

    @Override
    public List<String> explanation() {
        return List.of("Parent forks a child, the child forks a grandchild and exits at once, the parent reaps the child.",
                "Look for 第一件事情 (parent) and 第二件事情 (orphaned grandchild) done side by side, no zombie left.");
    }

    @Override
    public int run() throws Exception {
        boolean wasSubreaper = Subreaper.isEnabled();
        Subreaper.enable();
        int self = Show.POSIX.getpid();
        Posix posix = Show.POSIX;
        Thread.sleep(1); // the grandchild sleeps: run that path once here, never first in a child
        Child child = Fork.run(Show.FORK, ctx -> {
            int grandchild = posix.fork();
            if (grandchild == 0) {
                Thread.sleep(400); // fun2's sleep(4), shortened; sleeping, not spinning (see Orphan)
                ctx.out("第二件事情 (second thing, done by grandchild ");
                ctx.out((long) posix.getpid());
                ctx.out(", parent now ");
                ctx.out((long) posix.getppid());
                ctx.out(")\n");
                posix._exit(0);
            }
            posix._exit(0);
        });
        WaitStatus first = child.waitFor();
        System.out.println("parent reaped child " + child.pid() + " at once: " + first);
        System.out.println("第一件事情 (first thing, done by the parent " + self + ")");
        boolean adopted = Show.await(Duration.ofSeconds(10), () -> !ProcessTable.snapshot().children(self).isEmpty());
        int grandchild = adopted ? ProcessTable.snapshot().children(self).get(0).pid() : -1;
        WaitStatus second = adopted ? Show.reap(grandchild) : null;
        if (!wasSubreaper) {
            Subreaper.disable();
        }
        return adopted && second.equals(new WaitStatus.Exited(grandchild, 0)) ? 0 : 1;
    }
}
