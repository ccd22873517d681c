package dev.bastion.cli;

import dev.bastion.gateway.Gateway;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code bastion} command line. */
@Command(
    name = "bastion",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Zero-trust security gateway for AI agents (MCP).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:the command found a problem (e.g. audit verification failed)",
      "2:invalid usage or invalid configuration",
      "3:environment problem (port in use, unreadable file)"
    })
public final class Main implements Runnable {

  /**
   * The subcommands, in the order {@code bastion --help} lists them. They are added to the tree in
   * code rather than through {@code @Command(subcommands = ...)}: picocli builds a command's spec by
   * reflecting over its class and every nested subcommand, which was a quarter of the gateway's
   * start-up. {@link #commandLine} builds only the invoked one when the first argument names it.
   */
  static final Map<String, Class<?>> COMMANDS = commands();

  private static Map<String, Class<?>> commands() {
    Map<String, Class<?>> m = new LinkedHashMap<>();
    m.put("serve", ServeCommand.class);
    m.put("demo", DemoCommand.class);
    m.put("config", ConfigCommand.class);
    m.put("policy", PolicyCommand.class);
    m.put("audit", dev.bastion.audit.AuditCommand.class);
    m.put("tools", dev.bastion.integrity.ToolsCommand.class);
    m.put("scan", dev.bastion.integrity.ScanCommand.class);
    m.put("attack-sim", dev.bastion.attacksim.AttackSimCommand.class);
    m.put("key", KeyCommand.class);
    m.put("version", VersionCommand.class);
    m.put("help", CommandLine.HelpCommand.class);
    return Collections.unmodifiableMap(m);
  }

  public static void main(String[] args) {
    if (StartupWarmup.startsGateway(args)) {
      StartupWarmup.begin(); // CEL and Helidon set-up on another core while picocli and the YAML load
    }
    System.exit(run(args));
  }

  /** The whole command tree: every subcommand, for help, version and unknown-command errors. */
  public static CommandLine commandLine() {
    return tree(null);
  }

  /**
   * The command line for these arguments: when the first one names a subcommand other than
   * {@code help}, a tree holding only that subcommand (it parses and reports errors exactly as in
   * the whole tree); otherwise the whole tree.
   */
  public static CommandLine commandLine(String... args) {
    String first = args.length == 0 ? null : args[0];
    return tree(first != null && !first.equals("help") && COMMANDS.containsKey(first) ? first : null);
  }

  private static CommandLine tree(String only) {
    CommandLine cli = new CommandLine(new Main());
    COMMANDS.forEach(
        (name, type) -> {
          if (only == null || only.equals(name)) {
            cli.addSubcommand(name, type);
          }
        });
    return cli;
  }

  public static int run(String... args) {
    CommandLine fast = GatewayCommands.commandLine(args); // serve and demo without annotation reflection
    CommandLine cli = fast != null ? fast : commandLine(args);
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
    commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"bastion " + Gateway.VERSION, "Java " + Runtime.version()};
    }
  }
}
