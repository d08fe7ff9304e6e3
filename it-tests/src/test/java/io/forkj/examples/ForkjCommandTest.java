package io.forkj.examples;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The lazily registered subcommands of the {@code forkj} command agree with their annotations. */
class ForkjCommandTest {
    @Test
    void everyRegisteredNameIsTheOneItsClassDeclares() {
        for (Map.Entry<String, Supplier<Object>> e : ForkjCommand.SUBCOMMANDS.entrySet()) {
            Command command = e.getValue().get().getClass().getAnnotation(Command.class);
            assertThat(command).as(e.getKey()).isNotNull();
            assertThat(command.name()).as("the @Command name of " + e.getKey()).isEqualTo(e.getKey());
        }
    }

    @Test
    void aNamedSubcommandIsRegisteredAloneAndHelpListsThemAll() {
        assertThat(ForkjCommand.commandLine("ps", "--all").getSubcommands()).containsOnlyKeys("ps");
        assertThat(ForkjCommand.commandLine("daemon", "status").getSubcommands()).containsOnlyKeys("daemon");
        assertThat(ForkjCommand.commandLine("--version").getSubcommands()).isEmpty();
        assertThat(ForkjCommand.commandLine().getSubcommands().keySet())
                .containsExactlyElementsOf(ForkjCommand.SUBCOMMANDS.keySet());
        assertThat(ForkjCommand.commandLine("--help").getSubcommands().keySet())
                .containsExactlyElementsOf(ForkjCommand.SUBCOMMANDS.keySet());
        assertThat(ForkjCommand.commandLine("generate-completion").getSubcommands().keySet())
                .containsExactlyElementsOf(ForkjCommand.SUBCOMMANDS.keySet());
        // A typo registers them all, so picocli can name the closest.
        assertThat(ForkjCommand.commandLine("zombie").getSubcommands().keySet())
                .containsExactlyElementsOf(ForkjCommand.SUBCOMMANDS.keySet());
    }

    @Test
    void aTypoIsAnsweredWithTheClosestSubcommand() {
        StringWriter err = new StringWriter();
        CommandLine cl = ForkjCommand.commandLine("zombie");
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("zombie");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("zombie").contains("zombies");
    }
}
