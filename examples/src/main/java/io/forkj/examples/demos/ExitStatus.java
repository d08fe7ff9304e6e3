package io.forkj.examples.demos;

import io.forkj.WaitStatus;
import io.forkj.posix.Child;
import io.forkj.posix.Fork;

import java.util.List;

/** Seed 001 "exit-status": the child leaves with _exit(n); the parent decodes WEXITSTATUS. */
final class ExitStatus implements Demo {
    @Override
    public String name() {
        return "exit-status";
    }

    @Override
    public List<String> explanation() {
        return List.of("A child's _exit(n) reaches the parent through waitpid as a raw status; WEXITSTATUS decodes n.",
                "Look for each n the children chose coming back decoded, and the raw status it was packed in.");
    }

    @Override
    public int run() throws Exception {
        int failures = 0;
        for (int n : new int[] {0, 1, 42, 255}) {
            Child child = Fork.run(Show.FORK, ctx -> ctx.exit(n));
            WaitStatus status = child.waitFor();
            int raw = n << 8;
            System.out.println("child " + child.pid() + " called _exit(" + n + "): " + status
                    + "; raw status 0x" + Integer.toHexString(raw) + ", WIFEXITED " + WaitStatus.WIFEXITED(raw)
                    + ", WEXITSTATUS " + WaitStatus.WEXITSTATUS(raw));
            failures += status.equals(new WaitStatus.Exited(child.pid(), n)) ? 0 : 1;
        }
        return failures == 0 ? 0 : 1;
    }
}
