package io.forkj.examples.demos;

import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;

import java.util.List;

/** Seed 001 "fork-basic": both processes continue after fork; each prints "程序执行完毕". */
final class ForkBasic implements Demo {
    // Child bodies print constants and numbers through ctx.out(long) only: a code path first run in a forked JVM
    // child can stall it (see Fork's javadoc); these the parent has run and compiled long before.
    private static final String CREATED = "新进程创建成功 (child ";
    private static final String FINISHED = "程序执行完毕 (child ";
    @Override
    public String name() {
        return "fork-basic";
    }

    @Override
    public List<String> explanation() {
        return List.of("fork() returns twice: the child's pid in the parent, 0 in the child; both run on from there.",
                "Look for 程序执行完毕 (program finished) printed twice, once by each process.");
    }

    @Override
    public int run() throws Exception {
        int parent = Show.POSIX.getpid();
        System.out.println("parent " + parent + ": fork()");
        Child child = Fork.run(Show.FORK, ctx -> {
            long pid = ctx.getpid();
            ctx.out(CREATED);
            ctx.out(pid);
            ctx.out(": fork returned 0, the new process was created)\n");
            ctx.out(FINISHED);
            ctx.out(pid);
            ctx.out(": program finished)\n");
        });
        Show.awaitState(child.pid(), 'Z'); // its lines are out: ours will not mix with them
        Show.lifecycle("child", child.pid());
        WaitStatus status = child.waitFor();
        System.out.println("原来的进程 (parent " + parent + ": fork returned " + child.pid() + ", the original process)");
        Show.lifecycle("child", child.pid());
        System.out.println("程序执行完毕 (parent " + parent + ": program finished)");
        return status.equals(new WaitStatus.Exited(child.pid(), 0)) ? 0 : 1;
    }
}
