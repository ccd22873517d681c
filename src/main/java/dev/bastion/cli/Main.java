package dev.bastion.cli;

import dev.bastion.gateway.Gateway;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code bastion} command line. */
@Command(
    name = "bastion",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Zero-trust security gateway for AI agents (MCP).",
    subcommands = {ServeCommand.class, DemoCommand.class, ConfigCommand.class, PolicyCommand.class, dev.bastion.audit.AuditCommand.class, dev.bastion.integrity.ToolsCommand.class, dev.bastion.integrity.ScanCommand.class, dev.bastion.attacksim.AttackSimCommand.class, KeyCommand.class, VersionCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:the command found a problem (e.g. audit verification failed)",
      "2:invalid usage or invalid configuration",
      "3:environment problem (port in use, unreadable file)"
    })
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExitCodeExceptionMapper(e -> ExitCodes.INVALID);
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          ex.getCommandLine().getErr().println("bastion: " + ex.getMessage());
          ex.getCommandLine().usage(ex.getCommandLine().getErr());
          return ExitCodes.INVALID;
        });
    return cli.execute(args);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"bastion " + Gateway.VERSION, "Java " + Runtime.version()};
    }
  }
}
