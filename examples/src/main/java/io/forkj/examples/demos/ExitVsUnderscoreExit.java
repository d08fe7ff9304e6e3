package io.forkj.examples.demos;

import io.forkj.Posix;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Seed 001 "exit-vs-_exit": {@code System.exit} (Python's {@code sys.exit}) runs shutdown hooks and flushes;
 * {@code _exit} (Python's {@code os._exit}) leaves at once. Each runs in a fresh JVM, since a forked JVM
 * child cannot run shutdown hooks (they need threads fork did not copy).
 */
public final class ExitVsUnderscoreExit implements Demo {
    @Override
    public String name() {
        return "exit-vs-_exit";
    }

    @Override
    public List<String> explanation() {
        return List.of("System.exit (sys.exit) runs shutdown hooks and flushes buffers; _exit (os._exit) ends the process at once.",
                "Look for the shutdown hook's line after System.exit(3) and none after _exit(4); both codes reach the parent.");
    }

    @Override
    public int run() throws Exception {
        int ok = 0;
        for (String how : new String[] {"System.exit", "_exit"}) {
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            if (Runtime.version().feature() >= 22 && command.stream().noneMatch(a -> a.startsWith("--enable-native-access"))) {
                command.add("--enable-native-access=ALL-UNNAMED");
            }
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(ExitVsUnderscoreExit.class.getName());
            command.add(how);
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            System.out.println("fresh JVM " + p.pid() + " calling " + how + ":");
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    System.out.println("    " + line);
                }
            }
            System.out.println("    exit code seen by the parent: " + code);
            boolean hookRan = out.contains("shutdown hook ran");
            ok += how.equals("System.exit") ? (hookRan && code == 3 ? 1 : 0) : (!hookRan && code == 4 ? 1 : 0);
        }
        System.out.println("Python: sys.exit(\"退出\") raises SystemExit, which `except SystemExit as e` can catch (退出原因: 退出);");
        System.out.println("Java's System.exit cannot be caught: it starts the shutdown sequence at once.");
        return ok == 2 ? 0 : 1;
    }

    /** The fresh JVM's side: registers a hook, then leaves the way {@code args[0]} says. */
    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("shutdown hook ran")));
        System.out.println("registered a shutdown hook; now calling " + args[0]);
        System.out.flush();
        if (args[0].equals("_exit")) {
            Posix.get()._exit(4);
        }
        System.exit(3);
    }
}
