package dev.bastion.build;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A command line parsed by whichever picocli its class loader sees ({@link ModernClassFilesTest}
 * loads it once beside the library's own class files and once beside the rewritten ones): the
 * parsed values, the exit code, and everything printed (usage help, errors) as one text.
 */
public final class PicocliProbe {

  @Command(name = "probe", mixinStandardHelpOptions = true, version = "probe 1", description = "A probe command.", subcommands = Sub.class)
  static final class Root implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "A file.") Path config;
    @Option(names = "--port", defaultValue = "8080", description = "A port (default: ${DEFAULT-VALUE}).") int port;
    @Option(names = "--flag", description = "A flag.") boolean flag;
    @Option(names = "--tag", split = ",", description = "Tags.") List<String> tags;
    @Parameters(arity = "0..*", description = "Rest.") List<String> rest;

    @Override
    public Integer call() {
      return 7;
    }

    @Override
    public String toString() {
      return "config=" + config + " port=" + port + " flag=" + flag + " tags=" + tags + " rest=" + rest;
    }
  }

  @Command(name = "sub", description = "A subcommand.")
  static final class Sub implements Callable<Integer> {
    @Option(names = "--level", required = true, description = "Level.") int level;

    @Override
    public Integer call() {
      return level;
    }
  }

  /** What picocli made of {@code args}. */
  public static String run(String... args) {
    StringWriter text = new StringWriter();
    Root root = new Root();
    CommandLine cli = new CommandLine(root);
    cli.setOut(new PrintWriter(text, true));
    cli.setErr(new PrintWriter(text, true));
    int code = cli.execute(args);
    return "exit=" + code + " " + root + "\n" + text;
  }

  private PicocliProbe() {}
}
