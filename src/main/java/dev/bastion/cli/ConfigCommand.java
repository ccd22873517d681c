package dev.bastion.cli;

import dev.bastion.gateway.ConfigChecks;
import dev.bastion.config.ConfigResult;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Work with configuration files.",
    subcommands = {ConfigCommand.Check.class})
final class ConfigCommand implements Runnable {
  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {"Validate a configuration file and list every error with its YAML path and line.", "Exit 0 if valid, 2 if not."})
  static final class Check implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The YAML configuration file.")
    Path file;

    @Override
    public Integer call() {
      return switch (ConfigChecks.load(file)) {
        case ConfigResult.Ok ok -> {
          System.out.println(
              file + ": ok (" + ok.config().upstreams().size() + " upstreams, " + ok.config().agents().size() + " agents, " + ok.config().policy().rules().size() + " policy rules)");
          yield ExitCodes.OK;
        }
        case ConfigResult.Invalid bad -> {
          Runner.printErrors(System.err, file, bad.errors());
          yield ExitCodes.INVALID;
        }
      };
    }
  }
}
