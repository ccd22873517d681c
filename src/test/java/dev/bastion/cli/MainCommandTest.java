package dev.bastion.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;
import picocli.CommandLine;

/** The command tree: built whole for help, and with only the invoked subcommand otherwise. */
@ResourceLock(Resources.SYSTEM_OUT)
class MainCommandTest {

  @Test
  void theWholeTreeListsEveryCommandUnderItsOwnName() {
    CommandLine whole = Main.commandLine();
    assertThat(List.copyOf(whole.getSubcommands().keySet())).containsExactlyElementsOf(Main.COMMANDS.keySet());
    // The registered name is the one the command's own @Command declares (a typo would hide it).
    whole.getSubcommands().forEach((name, sub) -> assertThat(sub.getCommandName()).isEqualTo(name));
    whole.getSubcommands().forEach((name, sub) -> assertThat(sub.getCommandSpec().name()).isEqualTo(((CommandLine.Command) Main.COMMANDS.get(name).getAnnotation(CommandLine.Command.class)).name()));
  }

  @Test
  void aNamedSubcommandGetsATreeWithOnlyThatCommand() {
    for (String name : Main.COMMANDS.keySet()) {
      CommandLine cli = Main.commandLine(name, "--help");
      if (name.equals("help")) {
        assertThat(cli.getSubcommands().keySet()).containsExactlyElementsOf(Main.COMMANDS.keySet());
      } else {
        assertThat(cli.getSubcommands().keySet()).containsExactly(name);
      }
    }
    assertThat(Main.commandLine("--help").getSubcommands()).hasSize(Main.COMMANDS.size());
    assertThat(Main.commandLine("no-such-command").getSubcommands()).hasSize(Main.COMMANDS.size());
    assertThat(Main.commandLine().getSubcommands()).hasSize(Main.COMMANDS.size());
  }

  @Test
  void helpListsEveryCommandAndAnUnknownCommandIsAUsageError() {
    PolicyCommandTest.Run help = PolicyCommandTest.run("--help");
    assertThat(help.exit()).isZero();
    for (String name : Main.COMMANDS.keySet()) {
      assertThat(help.out()).contains("  " + name + " ");
    }
    PolicyCommandTest.Run unknown = PolicyCommandTest.run("no-such-command");
    assertThat(unknown.exit()).isEqualTo(ExitCodes.INVALID);
    assertThat(unknown.err()).contains("no-such-command").contains("serve");
    PolicyCommandTest.Run sub = PolicyCommandTest.run("version", "--bogus");
    assertThat(sub.exit()).isEqualTo(ExitCodes.INVALID);
    assertThat(sub.err()).contains("--bogus").contains("Usage: bastion version");
  }
}
