package io.forkj.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Saves what can be learnt about a forked JVM child stalled before its start byte, for {@code raw-fork-stress.sh}
 * (docs/DESIGN.md, the raw fork's child path): gdb's backtrace and a dump of the child's stack, {@code jhsdb}'s view
 * (it names the owner of the VM mutex the child waits for), and this JVM's compiled-code list, whose address ranges
 * name the compiled Java methods whose return addresses sit in that stack dump.
 */
final class StallDump {
    private static final long TOOL_SECONDS = 60;

    private StallDump() {
    }

    /** Writes {@code gdb-PID.txt}, {@code jhsdb-PID.txt} and {@code code-PID.txt} into {@code directory}. */
    static void save(int pid, Path directory) {
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        String child = Integer.toString(pid);
        run(directory.resolve("gdb-" + pid + ".txt"),
                List.of("gdb", "-p", child, "-batch", "-ex", "bt 30", "-ex", "x/1024gx $sp"));
        run(directory.resolve("jhsdb-" + pid + ".txt"),
                List.of(javaBin + "/jhsdb", "jstack", "--mixed", "--pid", child));
        run(directory.resolve("code-" + pid + ".txt"),
                List.of(javaBin + "/jcmd", Long.toString(ProcessHandle.current().pid()), "Compiler.codelist"));
    }

    private static void run(Path output, List<String> command) {
        try {
            Files.createDirectories(output.getParent());
            Process tool = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!tool.waitFor(TOOL_SECONDS, TimeUnit.SECONDS)) {
                tool.destroyForcibly().waitFor();
            }
        } catch (IOException e) {
            System.err.println("stall dump: " + command.get(0) + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
