package dev.bastion.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Run the gateway with a configuration file.",
      "The file is watched: a valid change is applied atomically, an invalid one is rejected whole and the running configuration stays."
    })
final class ServeCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, required = true, description = "The YAML configuration file.")
  Path config;

  @Override
  public Integer call() {
    return Runner.serve(config, System.out, System.err, () -> {});
  }
}
