package io.forkj.it;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registered for every test class (ServiceLoader + junit-platform.properties): after each class, the test
 * JVM has no child left, zombie or alive. Gives children a moment to finish exiting (a reaper thread may
 * still be on its way), then fails naming them.
 */
public final class NoLeftoverChildren implements AfterAllCallback {
    /**
     * What is left of a process to say what it was, also for a zombie: its name and when it started (field 22 of
     * /proc/PID/stat, clock ticks since boot), beside the uptime now: which of a class's children it was.
     */
    private static String identity(int pid) {
        try {
            return describe(pid);
        } catch (RuntimeException unreadable) {
            return "(" + unreadable + ")"; // the kill and reap below matter more
        }
    }

    private static String describe(int pid) {
        String started = Kernel.stat(pid).filter(f -> f.length > 19).map(f -> f[19]).orElse("?");
        return "(" + Kernel.comm(pid).orElse("?") + ", started at tick " + started + ", uptime now " + Kernel.uptime() + " s)";
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoneLeftBy(context.getDisplayName());
    }

    /**
     * Fails, naming each child of the test JVM left 5 s after {@code culprit} ran (pid, state, name, start), once it
     * has killed and reaped them all: never let one survive, a stalled raw child keeps surefire's output pipe open
     * and Maven then waits for it for ever.
     */
    static void assertNoneLeftBy(String culprit) {
        int self = Kernel.self();
        List<String> killed = new java.util.ArrayList<>();
        Kernel.await(Duration.ofSeconds(5), () -> Kernel.children(self).isEmpty());
        List<Integer> left = Kernel.children(self);
        for (int pid : left) {
            String states = pid + ":" + Kernel.state(pid).orElse('?') + " " + identity(pid);
            io.forkj.posix.internal.libc.Native.posix().kill(pid, 9);
            io.forkj.posix.internal.libc.Native.posix().waitpid(pid, new int[1], 0);
            killed.add(states);
        }
        assertThat(left)
                .as("children of the test JVM left behind by %s (pid: state)", culprit)
                .withFailMessage(() -> "children left behind by " + culprit + ": " + killed + " (killed and reaped)")
                .isEmpty();
    }
}
