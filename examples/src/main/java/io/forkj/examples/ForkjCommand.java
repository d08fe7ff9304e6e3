package io.forkj.examples;

import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import io.forkj.examples.demos.Demo;
import io.forkj.examples.demos.Demos;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The {@code forkj} command line: the seed lessons' demos, the tour, and process-inspection tools.
 * Exit codes: 0 ok; 1 a demo's fact did not hold, or {@code zombies}/{@code orphans} found some;
 * 2 bad usage, with a one-line error naming the bad value.
 */
@Command(name = "forkj", mixinStandardHelpOptions = true, versionProvider = ForkjCommand.Version.class,
        description = "The Unix process model for Java on Linux: demos and process tools.")
public final class ForkjCommand implements Callable<Integer> {
    static final int USAGE = 2;

    /**
     * The subcommands by name, in help order. Registered lazily: picocli builds a subcommand's model by reflection
     * over its annotations, which costs a short command more than its own work, so a command line that names a
     * subcommand registers that one alone; any other (help, no argument, a typo to suggest for) registers all, and
     * so does {@code generate-completion}, whose script describes them all.
     * Each name is the one in the class's {@code @Command} (ForkjCommandTest checks it).
     */
    static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();
    private static final String COMPLETION = "generate-completion";

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("tour", Tour::new);
        m.put("demo", DemoCommand::new);
        m.put("ps", Ps::new);
        m.put("zombies", Zombies::new);
        m.put("orphans", Orphans::new);
        m.put("tree", Tree::new);
        m.put("watch", Watch::new);
        m.put("daemon", DaemonCommand::new);
        m.put(COMPLETION, AutoComplete.GenerateCompletion::new);
        return Collections.unmodifiableMap(m);
    }

    /** The command line for {@code args}, with the subcommands it may need (see {@link #SUBCOMMANDS}). */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new ForkjCommand());
        Supplier<Object> named = args.length > 0 && !args[0].equals(COMPLETION) ? SUBCOMMANDS.get(args[0]) : null;
        if (named != null) {
            cl.addSubcommand(named.get());
        } else if (!(args.length == 1 && (args[0].equals("--version") || args[0].equals("-V")))) {
            SUBCOMMANDS.values().forEach(s -> cl.addSubcommand(s.get()));
        }
        return cl;
    }

    /** {@code forkj --version}: the Maven project version the jar was built from, and the JVM it runs on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws Exception {
            Properties p = new Properties();
            try (InputStream in = ForkjCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"forkj " + p.getProperty("version", "(unknown version)"),
                    "JVM " + System.getProperty("java.vm.name") + " " + Runtime.version() + ", " + System.getProperty("os.name")
                            + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")};
        }
    }

    @Override
    public Integer call() {
        commandLine().usage(System.out);
        return 0;
    }

    /** Fails with exit code 2 naming the pid unless it names one process. */
    static int requirePid(CommandLine cl, int pid) {
        if (pid <= 0) {
            throw new CommandLine.ParameterException(cl, "bad pid " + pid + ": a process id is a number > 0");
        }
        return pid;
    }

    @Command(name = "tour", description = "Run every demo in order, each with a two-line explanation.")
    static final class Tour implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            int failed = 0;
            for (Demo demo : Demos.all()) {
                failed += runDemo(demo) == 0 ? 0 : 1;
            }
            System.out.println();
            System.out.println(failed == 0 ? "tour finished: every demo showed what it set out to show"
                    : "tour finished: " + failed + " demo(s) did not show what they set out to show");
            return failed == 0 ? 0 : 1;
        }
    }

    static int runDemo(Demo demo) throws Exception {
        System.out.println();
        System.out.println("== " + demo.name());
        for (String line : demo.explanation()) {
            System.out.println("   " + line);
        }
        System.out.println();
        System.out.flush();
        int code;
        try {
            code = demo.run();
        } catch (io.forkj.posix.ForkStallException stalled) {
            // Fork.run replaces a child that stalls before its body; a stall inside a body reaches us. No rerun:
            // a demo must show its fact on its first run.
            System.out.println();
            System.out.println("!! a forked child stalled in its body and was killed: " + stalled.getMessage());
            code = 1;
        }
        System.out.flush();
        if (code != 0) {
            System.out.println("!! " + demo.name() + ": the demonstrated fact did not hold");
        }
        return code;
    }

    @Command(name = "demo", description = "Run one demo: ${COMPLETION-CANDIDATES}.")
    static final class DemoCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "one of: fork-basic, fork-variables, pids, exit-status, exit-vs-_exit, "
                + "orphan, zombie, wait, double-fork, sigchld-ignore, process-states")
        String name;

        @Override
        public Integer call() throws Exception {
            Optional<Demo> demo = Demos.named(name);
            if (demo.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown demo '" + name + "': expected one of "
                        + Demos.all().stream().map(Demo::name).collect(Collectors.joining(", ")));
            }
            return runDemo(demo.get());
        }
    }

    @Command(name = "ps", description = "Processes with their kernel state, three-state and five-state names, and zombie/orphan flags.")
    static final class Ps implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        static final class Selection {
            @Option(names = "--all", description = "every process (the default)")
            boolean all;
            @Option(names = "--pid", paramLabel = "N", description = "only process N")
            Integer pid;
        }

        @ArgGroup(exclusive = true)
        Selection selection;

        @Option(names = "--json", description = "print a JSON array instead of a table")
        boolean json;

        @Override
        public Integer call() {
            List<ProcessInfo> processes;
            if (selection != null && selection.pid != null) {
                int pid = requirePid(spec.commandLine(), selection.pid);
                ProcessTable table = ProcessTable.snapshot();
                Optional<ProcessInfo> p = table.get(pid);
                if (p.isEmpty()) {
                    System.err.println("forkj ps: " + (table.unreadable().contains(pid)
                            ? "process " + pid + " exists but may not be read (permission denied)" : "no process " + pid));
                    return 1;
                }
                processes = List.of(p.get());
            } else {
                ProcessTable table = ProcessTable.snapshot();
                processes = table.all();
                if (!table.unreadable().isEmpty()) {
                    System.err.println("forkj ps: " + table.unreadable().size() + " processes exist but may not be read"
                            + " (permission denied), not listed: " + table.unreadable());
                }
            }
            print(rows(processes), json, System.out);
            return 0;
        }
    }

    static List<ProcessRows.Row> rows(List<ProcessInfo> processes) {
        return ProcessRows.Row.of(processes);
    }

    static void print(List<ProcessRows.Row> rows, boolean json, PrintStream out) {
        if (json) {
            ProcessRows.json(rows, out, ProcessRows.NONE);
        } else {
            ProcessRows.table(rows, out, "", r -> "");
        }
    }

    @Command(name = "zombies", description = "Zombie processes with the parent that fails to reap them. Exit code 1 when there are any.")
    static final class Zombies implements Callable<Integer> {
        @Option(names = "--json", description = "print a JSON array (with parentComm) instead of a table")
        boolean json;

        @Override
        public Integer call() {
            List<ProcessTable.Zombie> zombies = ProcessTable.snapshot().zombies();
            List<ProcessRows.Row> rows = rows(zombies.stream().map(ProcessTable.Zombie::process).collect(Collectors.toList()));
            java.util.Map<Integer, String> parents = new java.util.HashMap<>();
            zombies.forEach(z -> parents.put(z.process().pid(), z.parentComm()));
            if (json) {
                ProcessRows.json(rows, System.out, (r, g) -> g.writeStringField("parentComm", parents.get(r.process().pid())));
            } else {
                ProcessRows.table(rows, System.out, "PARENT", r -> r.process().ppid() + " " + ProcessRows.printable(parents.get(r.process().pid())));
            }
            return zombies.isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "orphans", description = "Orphaned processes (adopted by init or a subreaper). Exit code 1 when there are any.")
    static final class Orphans implements Callable<Integer> {
        @Option(names = "--json", description = "print a JSON array instead of a table")
        boolean json;

        @Override
        public Integer call() {
            List<ProcessInfo> orphans = ProcessTable.snapshot().orphans();
            print(rows(orphans), json, System.out);
            return orphans.isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "tree", description = "The process tree like pstree, marking zombies [Z] and orphans [orphan].")
    static final class Tree implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "PID", description = "root of the tree (default: every root)")
        Integer pid;

        @Override
        public Integer call() {
            ProcessTable table = ProcessTable.snapshot();
            List<ProcessTable.Node> roots;
            if (pid != null) {
                Optional<ProcessTable.Node> node = table.tree(requirePid(spec.commandLine(), pid));
                if (node.isEmpty()) {
                    System.err.println("forkj tree: no process " + pid);
                    return 1;
                }
                roots = List.of(node.get());
            } else {
                roots = table.tree();
            }
            for (ProcessTable.Node root : roots) {
                print(root, "", "", System.out);
            }
            return 0;
        }

        private static void print(ProcessTable.Node node, String lead, String childLead, PrintStream out) {
            ProcessInfo p = node.process();
            out.println(lead + ProcessRows.printable(p.comm()) + "(" + p.pid() + ") " + p.stat()
                    + (p.isZombie() ? " [Z]" : "") + (p.isOrphan() ? " [orphan]" : ""));
            List<ProcessTable.Node> children = node.children();
            for (int i = 0; i < children.size(); i++) {
                boolean last = i == children.size() - 1;
                print(children.get(i), childLead + (last ? "└─ " : "├─ "), childLead + (last ? "   " : "│  "), out);
            }
        }
    }

    /** Entry point of the runnable jar. */
    public static void main(String[] args) {
        CommandLine cl = commandLine(args);
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("forkj: " + ex.getMessage() + " (see forkj "
                    + ex.getCommandLine().getCommandName().replace("forkj", "").trim() + " --help)");
            return USAGE;
        });
        int code = cl.execute(args);
        System.out.flush();
        System.exit(code);
    }
}
