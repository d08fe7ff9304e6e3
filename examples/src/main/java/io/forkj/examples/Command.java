package io.forkj.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One command of the {@code forkj} command line, declared once: its name, what it does, its options and operands,
 * and either a body or subcommands. Parsing, {@code --help} and the bash completion script all read this one
 * declaration, so they cannot disagree.
 *
 * <p>Why not a library: picocli, used before, built each command's model by reflection over annotations and
 * loaded java.time, BigInteger and SQL type converters on every start: 0.11 s of CPU out of the 0.15 s that
 * {@code forkj --version} took (JDK 17, class-data archive on), more than any command's own work.
 *
 * <p>The syntax: options before or among operands, {@code --name VALUE} or {@code --name=VALUE}; {@code --}
 * ends the options; {@code -h}/{@code --help} anywhere before {@code --} prints the command's help. An argument
 * that starts with {@code -} and a digit is an operand (a negative number), so its rule can name it.
 */
final class Command {
    /** What a command does with its parsed arguments; returns the exit code. */
    interface Body {
        int run(Arguments args) throws Exception;
    }

    /** One option: {@code label} is null for a flag, else what its value is called in help. */
    record Option(String name, String label, String help) {
        boolean takesValue() {
            return label != null;
        }
    }

    final String name;
    final String description;
    final List<Option> options = new ArrayList<>();
    final Map<String, Command> subcommands = new LinkedHashMap<>();
    /** Operands as help shows them, e.g. {@code [PID]} or {@code -- CMD [ARG...]}; empty for none. */
    String operands = "";
    int minOperands;
    int maxOperands;
    /** The words the first operand may be (demo names), for help and completion; asked only by them. */
    Supplier<List<String>> operandWords = List::of;
    Body body;
    Command parent;

    Command(String name, String description) {
        this.name = name;
        this.description = description;
    }

    Command option(String name, String label, String help) {
        options.add(new Option(name, label, help));
        return this;
    }

    Command flag(String name, String help) {
        return option(name, null, help);
    }

    Command operands(String synopsis, int min, int max) {
        this.operands = synopsis;
        this.minOperands = min;
        this.maxOperands = max;
        return this;
    }

    Command operandWords(Supplier<List<String>> words) {
        this.operandWords = words;
        return this;
    }

    Command body(Body body) {
        this.body = body;
        return this;
    }

    Command subcommand(Command child) {
        child.parent = this;
        subcommands.put(child.name, child);
        return this;
    }

    /** {@code forkj daemon start}, as messages name it. */
    String path() {
        return parent == null ? name : parent.path() + " " + name;
    }

    private Optional<Option> find(String optionName) {
        return options.stream().filter(o -> o.name().equals(optionName)).findFirst();
    }

    /**
     * Runs the command for {@code args}: help, a subcommand, or the body. A misuse throws {@link UsageException};
     * the caller prints it on one line and exits 2.
     */
    int execute(List<String> args, PrintStream out, PrintStream err) throws Exception {
        if (!subcommands.isEmpty()) {
            if (args.isEmpty() || args.get(0).startsWith("-")) {
                if (!args.isEmpty() && isHelp(args.get(0))) {
                    help(out);
                    return 0;
                }
                if (body != null && args.isEmpty()) {
                    return body.run(new Arguments(this, Map.of(), List.of(), out, err));
                }
                throw new UsageException(this, args.isEmpty()
                        ? "a subcommand is required: " + String.join(", ", subcommands.keySet())
                        : "unknown option '" + args.get(0) + "'");
            }
            Command child = subcommands.get(args.get(0));
            if (child == null) {
                throw new UsageException(this, "unknown command '" + args.get(0) + "'" + closest(args.get(0))
                        .map(c -> "; did you mean '" + c + "'?").orElse(""));
            }
            return child.execute(args.subList(1, args.size()), out, err);
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> found = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (optionsEnded || !a.startsWith("-") || a.equals("-") || Character.isDigit(a.charAt(1))) {
                found.add(a);
                continue;
            }
            if (a.equals("--")) {
                optionsEnded = true;
                continue;
            }
            if (isHelp(a)) {
                help(out);
                return 0;
            }
            int eq = a.indexOf('=');
            String optionName = eq < 0 ? a : a.substring(0, eq);
            Option option = find(optionName).orElseThrow(() -> new UsageException(this, "unknown option '" + optionName + "'"));
            String value;
            if (!option.takesValue()) {
                if (eq >= 0) {
                    throw new UsageException(this, optionName + " takes no value, got '" + a.substring(eq + 1) + "'");
                }
                value = "";
            } else if (eq >= 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException(this, optionName + " needs a value (" + option.label() + ")");
            }
            if (values.put(optionName, value) != null) {
                throw new UsageException(this, optionName + " is given twice");
            }
        }
        if (found.size() < minOperands || found.size() > maxOperands) {
            throw new UsageException(this, found.size() < minOperands
                    ? "missing operand: expected " + operands
                    : "unexpected argument '" + found.get(maxOperands) + "'");
        }
        return body.run(new Arguments(this, values, found, out, err));
    }

    private static boolean isHelp(String a) {
        return a.equals("-h") || a.equals("--help");
    }

    /** The subcommand a typo most likely meant: the fewest single-letter edits, at most two. */
    Optional<String> closest(String typo) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : subcommands.keySet()) {
            int d = editDistance(typo, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** The command's help: a usage line, the description, then its subcommands or options. */
    void help(PrintStream out) {
        StringBuilder usage = new StringBuilder("Usage: forkj");
        if (parent != null) {
            usage.append(' ').append(path().substring("forkj ".length()));
        }
        if (!subcommands.isEmpty()) {
            usage.append(parent == null ? " [-hV] COMMAND" : " [-h] COMMAND");
        } else {
            usage.append(" [-h]");
            for (Option o : options) {
                usage.append(" [").append(o.name()).append(o.takesValue() ? " " + o.label() : "").append(']');
            }
            if (!operands.isEmpty()) {
                usage.append(' ').append(operands);
            }
        }
        out.println(usage);
        out.println(description);
        List<String[]> commands = new ArrayList<>();
        subcommands.values().forEach(c -> commands.add(new String[] {c.name, c.description}));
        List<String[]> optionRows = new ArrayList<>();
        for (Option o : options) {
            optionRows.add(new String[] {o.name() + (o.takesValue() ? " " + o.label() : ""), o.help()});
        }
        optionRows.add(new String[] {"-h, --help", "print this help and exit"});
        if (parent == null) {
            optionRows.add(new String[] {"-V, --version", "print the version and the JVM, and exit"});
        }
        int width = java.util.stream.Stream.concat(commands.stream(), optionRows.stream()).mapToInt(r -> r[0].length()).max().orElse(0);
        for (String heading : new String[] {"Commands:", "Options:"}) {
            List<String[]> rows = heading.equals("Commands:") ? commands : optionRows;
            if (!rows.isEmpty()) {
                out.println(heading);
            }
            for (String[] r : rows) {
                out.println("  " + r[0] + " ".repeat(width - r[0].length() + 2) + r[1]);
            }
        }
        List<String> words = operandWords.get();
        if (!words.isEmpty()) {
            out.println(operands + " is one of: " + String.join(", ", words));
        }
    }

    /**
     * A bash completion script for this command tree: subcommand names, then each command's options and the
     * words its first operand takes. Source it, or copy it to {@code /etc/bash_completion.d/forkj}.
     */
    String completionScript() {
        StringBuilder s = new StringBuilder();
        s.append("#!/usr/bin/env bash\n")
                .append("# bash completion for forkj, printed by `forkj generate-completion`.\n")
                .append("# Use: source <(forkj generate-completion), or save it as /etc/bash_completion.d/forkj.\n")
                .append("_forkj() {\n")
                .append("  local cur=\"${COMP_WORDS[COMP_CWORD]}\" words\n")
                .append("  case \"${COMP_WORDS[*]:1:COMP_CWORD-1}\" in\n");
        List<String[]> cases = new ArrayList<>();
        collectCompletions(this, "", cases);
        for (String[] c : cases) {
            s.append("    ").append(c[0]).append(") words=\"").append(c[1]).append("\" ;;\n");
        }
        s.append("    *) words=\"\" ;;\n")
                .append("  esac\n")
                .append("  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n")
                .append("}\n")
                .append("complete -F _forkj forkj\n");
        return s.toString();
    }

    /**
     * One case per command: the words typed before the cursor that select it (a shell pattern), and what may come
     * next. A leaf's pattern ends in {@code *} so its options are offered after other options too.
     */
    private static void collectCompletions(Command c, String prefix, List<String[]> cases) {
        List<String> words = new ArrayList<>();
        if (!c.subcommands.isEmpty()) {
            words.addAll(c.subcommands.keySet());
            words.add("--help");
            if (c.parent == null) {
                words.add("--version");
            }
            cases.add(new String[] {prefix.isEmpty() ? "''" : "'" + prefix + "'", String.join(" ", words)});
            for (Command child : c.subcommands.values()) {
                collectCompletions(child, prefix.isEmpty() ? child.name : prefix + " " + child.name, cases);
            }
        } else {
            words.addAll(c.operandWords.get());
            c.options.forEach(o -> words.add(o.name()));
            words.add("--help");
            cases.add(new String[] {"'" + prefix + "'|'" + prefix + " '*", String.join(" ", words)});
        }
    }
}
