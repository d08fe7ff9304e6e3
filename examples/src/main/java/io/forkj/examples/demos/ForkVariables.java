package io.forkj.examples.demos;

import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;

import java.util.List;

/** Seed 001 "fork-variables": the child gets a copy of memory; its change is invisible to the parent. */
final class ForkVariables implements Demo {
    @Override
    public String name() {
        return "fork-variables";
    }

    @Override
    public List<String> explanation() {
        return List.of("The child starts with a copy of the parent's memory (copy-on-write), not a share of it.",
                "Look for the child setting a = 10000 while the parent still sees a = 1.");
    }

    @Override
    public int run() throws Exception {
        int[] a = {1};
        Child child = Fork.run(Show.FORK, ctx -> {
            ctx.out("子进程 (child ");
            ctx.out((long) ctx.getpid());
            ctx.out(")\na =  ");
            ctx.out((long) a[0]);
            a[0] = 10000;
            ctx.out("\na =  ");
            ctx.out((long) a[0]);
            ctx.out("\n");
            ctx.exit(a[0] == 10000 ? 0 : 1);
        });
        WaitStatus status = child.waitFor();
        System.out.println("父进程 (parent " + Show.POSIX.getpid() + ")");
        System.out.println("parent a :  " + a[0]);
        return a[0] == 1 && status.equals(new WaitStatus.Exited(child.pid(), 0)) ? 0 : 1;
    }
}
