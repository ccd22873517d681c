package dev.bastion.cli;

import dev.bastion.gateway.Gateway;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the Bastion version.")
final class VersionCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.println("bastion " + Gateway.VERSION + " (Java " + Runtime.version() + ")");
    return ExitCodes.OK;
  }
}
