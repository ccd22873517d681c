package dev.bastion.cli;

import java.nio.file.Path;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code serve} and {@code demo} parsed by picocli from specs built in code, without its
 * annotation reflection: reading a command's annotations makes the JDK generate proxy and
 * method-handle classes on every start (outside the AOT cache), which was most of picocli's cost
 * in the gateway's start-up. Only a plain invocation is parsed here: with {@code -h}/{@code -V},
 * or when these arguments do not parse, {@link #commandLine} answers null and {@link Main} runs
 * the annotated command line, which prints the help and reports every error exactly as before.
 *
 * <p>The options mirror the commands' {@code @Option}s (names, types, defaults, required, hidden);
 * {@code GatewayCommandsTest} compares the two specs and the values they parse.
 */
final class GatewayCommands {

  /**
   * The command line for these arguments, parsed once to check that they are a plain invocation of
   * {@code serve} or {@code demo}; null otherwise (help, version, anything that does not parse:
   * the annotated command line handles it). Executed like the annotated one: same tree shape
   * (bastion, then the subcommand), same execution, same exit codes.
   */
  static CommandLine commandLine(String... args) {
    if (!StartupWarmup.startsGateway(args)) {
      return null;
    }
    CommandSpec sub =
        switch (args[0]) {
          case "serve" -> serve(new ServeCommand());
          case "demo" -> demo(new DemoCommand());
          default -> null;
        };
    if (sub == null) {
      return null;
    }
    CommandLine root = new CommandLine(CommandSpec.create().name("bastion"));
    root.addSubcommand(args[0], new CommandLine(sub));
    try {
      root.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      return null; // reported by the annotated command line, with its help text
    }
    return root;
  }

  /** {@link ServeCommand}'s options, bound to {@code c}. */
  static CommandSpec serve(ServeCommand c) {
    CommandSpec spec = CommandSpec.wrapWithoutInspection(c).name("serve");
    spec.addOption(OptionSpec.builder("-c", "--config").type(Path.class).converters(Path::of).required(true).setter(set(v -> c.config = (Path) v)).build());
    return standard(spec);
  }

  /** {@link DemoCommand}'s options, bound to {@code c}. */
  static CommandSpec demo(DemoCommand c) {
    CommandSpec spec = CommandSpec.wrapWithoutInspection(c).name("demo");
    spec.addOption(OptionSpec.builder("--dir").type(Path.class).converters(Path::of).defaultValue("bastion-demo").setter(set(v -> c.dir = (Path) v)).build());
    spec.addOption(OptionSpec.builder("--port").type(int.class).initialValue(0).defaultValue("8080").setter(set(v -> c.port = (Integer) v)).build());
    spec.addOption(OptionSpec.builder("--admin-port").type(int.class).initialValue(0).defaultValue("9090").setter(set(v -> c.adminPort = (Integer) v)).build());
    spec.addOption(OptionSpec.builder("--training-run").type(boolean.class).arity("0").hidden(true).setter(set(v -> c.trainingRun = Boolean.TRUE.equals(v))).build());
    return standard(spec);
  }

  /** A picocli setter (a generic method, so no lambda) that hands the converted value to {@code field}. */
  private static CommandLine.Model.ISetter set(Consumer<Object> field) {
    return new CommandLine.Model.ISetter() {
      @Override
      public <T> T set(T value) {
        field.accept(value);
        return null;
      }
    };
  }

  /** {@code mixinStandardHelpOptions}: never matched here (such arguments take the annotated path), but declared so they parse the same. */
  private static CommandSpec standard(CommandSpec spec) {
    spec.addOption(OptionSpec.builder("-h", "--help").type(boolean.class).arity("0").usageHelp(true).build());
    spec.addOption(OptionSpec.builder("-V", "--version").type(boolean.class).arity("0").versionHelp(true).build());
    return spec;
  }

  private GatewayCommands() {}
}
