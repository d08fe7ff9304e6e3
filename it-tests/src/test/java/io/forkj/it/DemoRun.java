package io.forkj.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a demo as a user runs it ({@code java -jar forkj.jar demo NAME}) and checks what every demo must show:
 * exit code 0, no warning on stderr, its fact on the first run (a line starting with "!!" says a stalled child
 * or a fact that did not hold), and nothing left behind (the demo's own JVM is reaped by the time it returns). The demo test classes run as a {@link Subreaper}, so anything a demo
 * leaked is adopted by the test JVM and fails the NoLeftoverChildren check.
 */
public final class DemoRun {
    private DemoRun() {
    }

    /** The demo's run, once the common checks passed. */
    public static Cli.Result run(String name, Duration timeout) throws Exception {
        Cli.Result r = Cli.run(timeout, "demo", name);
        NoLeftoverChildren.assertNoneLeftBy("demo " + name); // at once, so a leak names its demo
        assertThat(r.exitCode()).as("exit code of demo %s; output:%n%s%n%s", name, r.out(), r.err()).isZero();
        assertThat(r.err()).as("stderr of demo %s", name).doesNotContain("WARNING");
        assertThat(r.out().lines().filter(l -> l.startsWith("!!")).toList())
                .as("demo %s must pass on its first run; output:%n%s", name, r.out()).isEmpty();
        return r;
    }

    /** The demo's stdout, once the common checks passed. */
    public static String out(String name, Duration timeout) throws Exception {
        return run(name, timeout).out();
    }

    /** Group 1 of every match of {@code regex} in {@code text}, in order. */
    public static List<String> all(String regex, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
