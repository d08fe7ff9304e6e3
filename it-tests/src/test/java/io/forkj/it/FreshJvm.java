package io.forkj.it;

import io.forkj.posix.Daemon;
import io.forkj.posix.DaemonSpec;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a main class of the tests in a fresh JVM with this JVM's command line ({@link DaemonSpec#ofThisJvm}, without
 * the daemon marker), for tests whose JVM must be set up in a way this one cannot be undone from (a seccomp filter,
 * another heap). The output goes to a file, so a JVM that hangs is killed at the deadline instead of blocking the
 * reader.
 */
final class FreshJvm {
    private FreshJvm() {
    }

    /** How the JVM ended: its exit code (128 + signal if killed) and its stdout and stderr, merged. */
    record Result(int exitCode, String output) {
    }

    /**
     * Runs {@code main} with {@code args}; {@code heapOptions}, if any, replace this JVM's {@code -Xmx} and
     * collector options.
     */
    static Result run(Class<?> main, List<String> heapOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>(DaemonSpec.ofThisJvm(main, args).command());
        command.remove("-D" + Daemon.DAEMONIZED_PROPERTY + "=true");
        if (!heapOptions.isEmpty()) {
            command.removeIf(option -> option.startsWith("-Xmx") || option.startsWith("-XX:+Use") && option.endsWith("GC"));
            command.addAll(1, heapOptions);
        }
        File output = File.createTempFile("forkj-fresh-jvm", ".out");
        try {
            Process jvm = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output).start();
            boolean ended = jvm.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                jvm.destroyForcibly().waitFor();
            }
            String text = Files.readString(output.toPath(), StandardCharsets.UTF_8);
            assertThat(ended).as("the JVM ends within 60 s: " + text).isTrue();
            return new Result(jvm.exitValue(), text);
        } finally {
            Files.delete(output.toPath());
        }
    }
}
