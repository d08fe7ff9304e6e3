package io.forkj.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Runs the forkj runnable jar as a user would ({@code java -jar}), with a deadline. */
public final class Cli {
    /** What one run printed and returned. */
    public record Result(int exitCode, String out, String err) {
    }

    private Cli() {
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("forkj.jar", "../examples/target/forkj-examples-0.1.0-SNAPSHOT-all.jar"));
        assertThat(jar).as("the runnable jar built by the examples module").exists();
        return jar;
    }

    /** The command line {@code ./forkj} uses: java, the Unsafe flag on JDK 24+, -jar. */
    static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        return command;
    }

    /** Runs {@code forkj args...}, failing the test if it runs past {@code deadline} (it is then killed). */
    public static Result run(Duration deadline, String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command(args)).start();
        p.getOutputStream().close();
        Output out = read(p.getInputStream());
        Output err = read(p.getErrorStream());
        if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            fail("forkj " + String.join(" ", args) + " ran past " + deadline + "; output so far:\n" + out.getNow("") + "\nstderr so far:\n" + err.getNow(""));
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    /** {@link #run(Duration, String...)} with two minutes. */
    public static Result run(String... args) throws IOException, InterruptedException {
        return run(Duration.ofMinutes(2), args);
    }

    /** Output read as it arrives, so a command that runs past its deadline shows how far it got. */
    private static final class Output {
        private final StringBuffer text = new StringBuffer();
        private final CompletableFuture<String> complete = new CompletableFuture<>();

        String getNow(String unused) {
            return text.toString();
        }

        String join() {
            return complete.join();
        }
    }

    /**
     * Reads on a thread of its own: the common pool has one thread on two cores, so two pool reads would run
     * one after the other, and a command filling the other pipe would block for ever.
     */
    private static Output read(InputStream in) {
        Output output = new Output();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[8192];
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    bytes.write(buffer, 0, n);
                    output.text.setLength(0);
                    output.text.append(bytes.toString(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                bytes.writeBytes(("<unreadable: " + e + ">").getBytes(StandardCharsets.UTF_8));
            }
            output.complete.complete(bytes.toString(StandardCharsets.UTF_8));
        }, "forkj-cli-output");
        reader.setDaemon(true);
        reader.start();
        return output;
    }

    /** Deletes a file quietly (test clean-up). */
    static void delete(Path path) throws IOException {
        Files.deleteIfExists(path);
    }
}
