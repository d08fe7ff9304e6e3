package io.forkj.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code forkj} command line's parser, help and completion script, in process (CliIT runs the jar). */
class ForkjCommandTest {
    /** One in-process run: exit code, stdout, stderr. */
    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ForkjCommand.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEveryCommandAndEachCommandHasItsOwnHelp() {
        Run help = run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).startsWith("Usage: forkj [-hV] COMMAND\n");
        Command root = ForkjCommand.root();
        assertThat(root.subcommands.keySet()).containsExactly("tour", "demo", "ps", "zombies", "orphans", "tree", "watch",
                "daemon", "generate-completion");
        for (Command c : root.subcommands.values()) {
            assertThat(help.out()).contains("\n  " + c.name + " ");
            Run own = run(c.name, "-h");
            assertThat(own.code()).as(c.name).isZero();
            assertThat(own.out()).as(c.name).startsWith("Usage: forkj " + c.name + " [-h]").contains(c.description);
            c.options.forEach(o -> assertThat(own.out()).as(c.name).contains("  " + o.name()));
        }
        assertThat(run().out()).as("no command: the same help").isEqualTo(help.out());
        assertThat(run("daemon", "stop", "--help").out()).startsWith("Usage: forkj daemon stop [-h] [--pidfile PATH] [--timeout SECONDS]\n");
        assertThat(run("demo", "--help").out()).contains("NAME is one of: fork-basic, fork-variables, ");
        assertThat(run("--version").out()).startsWith("forkj ").contains("\nJVM ");
    }

    @Test
    void everyMisuseIsOneLineNamingTheValueAndTheRule() {
        String[][] cases = {
                {"zombie"}, {"ps", "--bogus"}, {"ps", "--pid"}, {"ps", "--pid", "abc"}, {"ps", "--pid", "-1"},
                {"ps", "--pid=0"}, {"ps", "--all", "--pid", "1"}, {"ps", "--json=yes"}, {"ps", "--json", "--json"},
                {"ps", "extra"}, {"tree", "1", "2"}, {"watch"}, {"watch", "1", "--interval", "0"}, {"demo", "nosuch"},
                {"daemon"}, {"daemon", "restart"}, {"daemon", "status"}, {"daemon", "start", "--pidfile", "p"},
                {"daemon", "stop", "--pidfile", "p", "--timeout", "x"}, {"daemon", "stop", "--pidfile", "a\0b"},
                {"--bogus"}, {"-V", "ps"}};
        String[] expected = {
                "forkj: unknown command 'zombie'; did you mean 'zombies'? (see forkj --help)",
                "forkj: unknown option '--bogus' (see forkj ps --help)",
                "forkj: --pid needs a value (N) (see forkj ps --help)",
                "forkj: --pid 'abc' is not a whole number (see forkj ps --help)",
                "forkj: bad --pid -1: a process id is a number > 0 (see forkj ps --help)",
                "forkj: bad --pid 0: a process id is a number > 0 (see forkj ps --help)",
                "forkj: --all and --pid are mutually exclusive (see forkj ps --help)",
                "forkj: --json takes no value, got 'yes' (see forkj ps --help)",
                "forkj: --json is given twice (see forkj ps --help)",
                "forkj: unexpected argument 'extra' (see forkj ps --help)",
                "forkj: unexpected argument '2' (see forkj tree --help)",
                "forkj: missing operand: expected PID (see forkj watch --help)",
                "forkj: bad --interval 0: must be > 0 (see forkj watch --help)",
                "forkj: unknown demo 'nosuch': expected one of fork-basic, ",
                "forkj: a subcommand is required: start, stop, status (see forkj daemon --help)",
                "forkj: unknown command 'restart'; did you mean 'start'? (see forkj daemon --help)",
                "forkj: missing required option --pidfile (see forkj daemon status --help)",
                "forkj: missing operand: expected -- CMD [ARG...] (see forkj daemon start --help)",
                "forkj: --timeout 'x' is not a number of seconds (see forkj daemon stop --help)",
                "forkj: --pidfile 'a\0b' is not a path: Nul character not allowed (see forkj daemon stop --help)",
                "forkj: unknown option '--bogus' (see forkj --help)",
                "forkj: -V takes no arguments, got 'ps' (see forkj --help)"};
        for (int i = 0; i < cases.length; i++) {
            Run r = run(cases[i]);
            assertThat(r.code()).as(String.join(" ", cases[i])).isEqualTo(2);
            assertThat(r.out()).as(String.join(" ", cases[i])).isEmpty();
            assertThat(r.err()).as(String.join(" ", cases[i])).startsWith(expected[i]).endsWith("\n");
            assertThat(r.err().lines().count()).as(String.join(" ", cases[i])).isEqualTo(1);
        }
    }

    @Test
    void optionsTakeTheirValueEitherWayAndDashDashEndsThem() {
        int self = (int) ProcessHandle.current().pid();
        Run spaced = run("ps", "--pid", "" + self, "--json");
        Run joined = run("ps", "--json", "--pid=" + self);
        assertThat(spaced.code()).as(spaced.err()).isZero();
        assertThat(joined.code()).as(joined.err()).isZero();
        assertThat(spaced.out()).contains("\"pid\": " + self + ",").contains("\"comm\": \"java\"");
        assertThat(joined.out()).contains("\"pid\": " + self + ",");
        assertThat(run("tree", "--", "" + self).out()).startsWith("java(" + self + ") ");
    }

    @Test
    void typosAreAnsweredWithTheNearestCommandOnlyWhenOneIsNear() {
        Command root = ForkjCommand.root();
        assertThat(root.closest("zombie")).contains("zombies");
        assertThat(root.closest("tre")).contains("tree");
        assertThat(root.closest("daemom")).contains("daemon");
        assertThat(root.closest("frobnicate")).isEmpty();
        assertThat(Command.editDistance("kitten", "sitting")).isEqualTo(3);
        assertThat(Command.editDistance("", "ps")).isEqualTo(2);
    }

    /** The script bash sources: what {@code _forkj} offers after each prefix, asked of a real bash. */
    @Test
    void theCompletionScriptCompletesInBash(@TempDir Path dir) throws IOException, InterruptedException {
        Run script = run("generate-completion");
        assertThat(script.code()).isZero();
        Path file = dir.resolve("forkj-completion.bash");
        Files.writeString(file, script.out());
        assertThat(complete(file, "")).contains("tour", "demo", "ps", "zombies", "daemon", "--help", "--version");
        assertThat(complete(file, "z")).containsExactly("zombies");
        assertThat(complete(file, "ps", "--")).containsExactlyInAnyOrder("--all", "--pid", "--json", "--help");
        assertThat(complete(file, "ps", "--json", "--p")).containsExactly("--pid");
        assertThat(complete(file, "daemon", "")).containsExactlyInAnyOrder("start", "stop", "status", "--help");
        assertThat(complete(file, "daemon", "stop", "--t")).containsExactly("--timeout");
        assertThat(complete(file, "demo", "zom")).containsExactly("zombie");
        assertThat(complete(file, "nosuch", "")).isEmpty();
    }

    /** Asks bash what {@code _forkj} offers for {@code forkj words...}, the last word being the one under the cursor. */
    private static List<String> complete(Path script, String... words) throws IOException, InterruptedException {
        StringBuilder line = new StringBuilder("source '" + script + "'; COMP_WORDS=(forkj");
        for (String w : words) {
            line.append(" '").append(w).append('\'');
        }
        line.append("); COMP_CWORD=").append(words.length).append("; _forkj; printf '%s\\n' \"${COMPREPLY[@]}\"");
        Process bash = new ProcessBuilder("bash", "-c", line.toString()).redirectErrorStream(true).start();
        String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bash.exitValue()).as(out).isZero();
        List<String> offered = new ArrayList<>();
        out.lines().filter(l -> !l.isEmpty()).forEach(offered::add);
        return offered;
    }
}
