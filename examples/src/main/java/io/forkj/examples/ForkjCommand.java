package io.forkj.examples;

import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import io.forkj.examples.demos.Demo;
import io.forkj.examples.demos.Demos;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The {@code forkj} command line: the seed lessons' demos, the tour, and process-inspection tools.
 * Exit codes: 0 ok; 1 a demo's fact did not hold, or {@code zombies}/{@code orphans} found some;
 * 2 bad usage, with a one-line error naming the bad value.
 */
public final class ForkjCommand {
    static final int USAGE = 2;

    private ForkjCommand() {
    }

    /** Every command, in help order. Cheap to build: no demo is loaded until a command needs one. */
    static Command root() {
        Command root = new Command("forkj", "The Unix process model for Java on Linux: demos and process tools.");
        root.body(a -> {
            root.help(a.out());
            return 0;
        });
        root.subcommand(new Command("tour", "Run every demo in order, each with a two-line explanation.")
                .body(a -> tour(a.out())));
        root.subcommand(new Command("demo", "Run one demo (forkj demo --help names them).")
                .operands("NAME", 1, 1)
                .operandWords(() -> Demos.all().stream().map(Demo::name).collect(Collectors.toList()))
                .body(ForkjCommand::demo));
        root.subcommand(new Command("ps", "Processes with their kernel state, three-state and five-state names, and zombie/orphan flags.")
                .flag("--all", "every process (the default)")
                .option("--pid", "N", "only process N")
                .flag("--json", "print a JSON array instead of a table")
                .body(ForkjCommand::ps));
        root.subcommand(new Command("zombies", "Zombie processes with the parent that fails to reap them. Exit code 1 when there are any.")
                .flag("--json", "print a JSON array (with parentComm) instead of a table")
                .body(ForkjCommand::zombies));
        root.subcommand(new Command("orphans", "Orphaned processes (adopted by init or a subreaper). Exit code 1 when there are any.")
                .flag("--json", "print a JSON array instead of a table")
                .body(ForkjCommand::orphans));
        root.subcommand(new Command("tree", "The process tree like pstree, marking zombies [Z] and orphans [orphan].")
                .operands("[PID]", 0, 1)
                .body(ForkjCommand::tree));
        root.subcommand(Watch.command());
        root.subcommand(DaemonCommand.command());
        root.subcommand(new Command("generate-completion", "Print a bash completion script for forkj (source <(forkj generate-completion)).")
                .body(a -> {
                    a.out().print(root.completionScript());
                    return 0;
                }));
        return root;
    }

    /**
     * Runs {@code forkj args...}, printing to {@code out} and {@code err}, and returns the exit code; a usage error
     * is one line on {@code err} and exit code {@value #USAGE}.
     */
    public static int run(PrintStream out, PrintStream err, String... args) {
        try {
            Command root = root();
            if (args.length > 0 && (args[0].equals("--version") || args[0].equals("-V"))) {
                if (args.length > 1) {
                    throw new UsageException(root, args[0] + " takes no arguments, got '" + args[1] + "'");
                }
                version().forEach(out::println);
                return 0;
            }
            return root.execute(List.of(args), out, err);
        } catch (UsageException e) {
            err.println(e.line());
            return USAGE;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // A checked exception out of a command is a failure the command did not expect: say what, exit 1.
            err.println("forkj: " + e);
            return 1;
        }
    }

    /** {@code forkj --version}: the Maven project version the jar was built from, and the JVM it runs on. */
    static List<String> version() {
        Properties p = new Properties();
        try (InputStream in = ForkjCommand.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return List.of("forkj " + p.getProperty("version", "(unknown version)"),
                "JVM " + System.getProperty("java.vm.name") + " " + Runtime.version() + ", " + System.getProperty("os.name")
                        + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    }

    private static int tour(PrintStream out) throws Exception {
        int failed = 0;
        for (Demo demo : Demos.all()) {
            failed += runDemo(demo) == 0 ? 0 : 1;
        }
        out.println();
        out.println(failed == 0 ? "tour finished: every demo showed what it set out to show"
                : "tour finished: " + failed + " demo(s) did not show what they set out to show");
        return failed == 0 ? 0 : 1;
    }

    private static int demo(Arguments a) throws Exception {
        String name = a.operands().get(0);
        Optional<Demo> demo = Demos.named(name);
        if (demo.isEmpty()) {
            throw a.usage("unknown demo '" + name + "': expected one of "
                    + Demos.all().stream().map(Demo::name).collect(Collectors.joining(", ")));
        }
        return runDemo(demo.get());
    }

    /** Demos print to System.out themselves (a forked child writes to the inherited fd 1), so this does too. */
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

    private static int ps(Arguments a) {
        if (a.has("--all") && a.has("--pid")) {
            throw a.usage("--all and --pid are mutually exclusive");
        }
        List<ProcessInfo> processes;
        if (a.has("--pid")) {
            int pid = a.pid("--pid", a.required("--pid"));
            ProcessTable table = ProcessTable.snapshot();
            Optional<ProcessInfo> p = table.get(pid);
            if (p.isEmpty()) {
                a.err().println("forkj ps: " + (table.unreadable().contains(pid)
                        ? "process " + pid + " exists but may not be read (permission denied)" : "no process " + pid));
                return 1;
            }
            processes = List.of(p.get());
        } else {
            ProcessTable table = ProcessTable.snapshot();
            processes = table.all();
            if (!table.unreadable().isEmpty()) {
                a.err().println("forkj ps: " + table.unreadable().size() + " processes exist but may not be read"
                        + " (permission denied), not listed: " + table.unreadable());
            }
        }
        print(ProcessRows.Row.of(processes), a.has("--json"), a.out());
        return 0;
    }

    private static void print(List<ProcessRows.Row> rows, boolean json, PrintStream out) {
        if (json) {
            ProcessRows.json(rows, out, ProcessRows.NONE);
        } else {
            ProcessRows.table(rows, out, "", r -> "");
        }
    }

    private static int zombies(Arguments a) {
        List<ProcessTable.Zombie> zombies = ProcessTable.snapshot().zombies();
        List<ProcessRows.Row> rows = ProcessRows.Row.of(zombies.stream().map(ProcessTable.Zombie::process).collect(Collectors.toList()));
        Map<Integer, String> parents = new HashMap<>();
        zombies.forEach(z -> parents.put(z.process().pid(), z.parentComm()));
        if (a.has("--json")) {
            ProcessRows.json(rows, a.out(), (r, g) -> g.writeStringField("parentComm", parents.get(r.process().pid())));
        } else {
            ProcessRows.table(rows, a.out(), "PARENT", r -> r.process().ppid() + " " + ProcessRows.printable(parents.get(r.process().pid())));
        }
        return zombies.isEmpty() ? 0 : 1;
    }

    private static int orphans(Arguments a) {
        List<ProcessInfo> orphans = ProcessTable.snapshot().orphans();
        print(ProcessRows.Row.of(orphans), a.has("--json"), a.out());
        return orphans.isEmpty() ? 0 : 1;
    }

    private static int tree(Arguments a) {
        ProcessTable table = ProcessTable.snapshot();
        List<ProcessTable.Node> roots;
        if (!a.operands().isEmpty()) {
            int pid = a.pid("pid", a.operands().get(0));
            Optional<ProcessTable.Node> node = table.tree(pid);
            if (node.isEmpty()) {
                a.err().println("forkj tree: no process " + pid);
                return 1;
            }
            roots = List.of(node.get());
        } else {
            roots = table.tree();
        }
        for (ProcessTable.Node root : roots) {
            printTree(root, "", "", a.out());
        }
        return 0;
    }

    private static void printTree(ProcessTable.Node node, String lead, String childLead, PrintStream out) {
        ProcessInfo p = node.process();
        out.println(lead + ProcessRows.printable(p.comm()) + "(" + p.pid() + ") " + p.stat()
                + (p.isZombie() ? " [Z]" : "") + (p.isOrphan() ? " [orphan]" : ""));
        List<ProcessTable.Node> children = node.children();
        for (int i = 0; i < children.size(); i++) {
            boolean last = i == children.size() - 1;
            printTree(children.get(i), childLead + (last ? "└─ " : "├─ "), childLead + (last ? "   " : "│  "), out);
        }
    }

    /** Entry point of the runnable jar. */
    public static void main(String[] args) {
        int code = run(System.out, System.err, args);
        System.out.flush();
        System.exit(code);
    }
}
