package io.forkj.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Compiles one of benchmarks/src/main/c with {@code cc -O2} into a temp dir and runs it for its one-line result. */
final class CProgram {
    private CProgram() {
    }

    static double run(String name, String... args) {
        try {
            Path src = Path.of("benchmarks/src/main/c", name + ".c");
            if (!Files.exists(src)) {
                src = Path.of("src/main/c", name + ".c");
            }
            Path exe = Files.createTempDirectory("forkj-bench").resolve(name);
            exec(List.of("cc", "-O2", "-o", exe.toString(), src.toString()));
            List<String> cmd = new ArrayList<>(List.of(exe.toString()));
            cmd.addAll(List.of(args));
            String out = exec(cmd);
            Files.delete(exe);
            Files.delete(exe.getParent());
            return Double.parseDouble(out.trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String exec(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(cmd + " failed: " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** This JVM's resident set, MiB, from /proc/self/status. */
    static long residentMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
