package dev.bastion.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

@org.junit.jupiter.api.parallel.ResourceLock(org.junit.jupiter.api.parallel.Resources.SYSTEM_OUT)
/** serve and demo parsed from specs built in code: the same options, values and fallbacks as their annotations. */
class GatewayCommandsTest {

  @Test
  void theCodedSpecsDeclareExactlyTheAnnotatedOptions() {
    assertThat(describe(GatewayCommands.serve(new ServeCommand()))).isEqualTo(describe(new CommandLine(new ServeCommand()).getCommandSpec()));
    assertThat(describe(GatewayCommands.demo(new DemoCommand()))).isEqualTo(describe(new CommandLine(new DemoCommand()).getCommandSpec()));
  }

  @Test
  void plainInvocationsParseToTheSameValuesAsTheAnnotatedCommands() {
    List<String[]> demos =
        List.of(
            new String[] {"demo"},
            new String[] {"demo", "--dir", "/tmp/d", "--port", "18000", "--admin-port", "18001"},
            new String[] {"demo", "--port=0", "--admin-port=0", "--training-run", "--dir=rel/d"});
    for (String[] args : demos) {
      CommandLine fast = GatewayCommands.commandLine(args);
      assertThat(fast).as(Arrays.toString(args)).isNotNull();
      DemoCommand coded = (DemoCommand) fast.getSubcommands().get("demo").getCommand();
      DemoCommand annotated = new DemoCommand();
      new CommandLine(annotated).parseArgs(Arrays.copyOfRange(args, 1, args.length));
      assertThat(List.of(coded.dir, coded.port, coded.adminPort, coded.trainingRun))
          .as(Arrays.toString(args))
          .isEqualTo(List.of(annotated.dir, annotated.port, annotated.adminPort, annotated.trainingRun));
    }
    DemoCommand defaults = (DemoCommand) GatewayCommands.commandLine("demo").getSubcommands().get("demo").getCommand();
    assertThat(List.of(defaults.dir, defaults.port, defaults.adminPort, defaults.trainingRun)).isEqualTo(List.of(Path.of("bastion-demo"), 8080, 9090, false));

    for (String[] args : List.of(new String[] {"serve", "-c", "/etc/b.yaml"}, new String[] {"serve", "--config=b.yaml"})) {
      ServeCommand coded = (ServeCommand) GatewayCommands.commandLine(args).getSubcommands().get("serve").getCommand();
      ServeCommand annotated = new ServeCommand();
      new CommandLine(annotated).parseArgs(Arrays.copyOfRange(args, 1, args.length));
      assertThat(coded.config).as(Arrays.toString(args)).isEqualTo(annotated.config).isNotNull();
    }
  }

  @Test
  void helpVersionOtherCommandsAndErrorsAreLeftToTheAnnotatedCommandLine() {
    for (String[] args :
        List.of(
            new String[] {},
            new String[] {"demo", "--help"},
            new String[] {"serve", "-c", "x.yaml", "-h"},
            new String[] {"demo", "-V"},
            new String[] {"serve"},
            new String[] {"serve", "-c"},
            new String[] {"demo", "--port", "eighty"},
            new String[] {"demo", "--bogus"},
            new String[] {"demo", "extra"},
            new String[] {"version"},
            new String[] {"config", "check", "x.yaml"})) {
      assertThat(GatewayCommands.commandLine(args)).as(Arrays.toString(args)).isNull();
    }
    // and the annotated command line still reports them as before
    PolicyCommandTest.Run missing = PolicyCommandTest.run("serve");
    assertThat(missing.exit()).isEqualTo(ExitCodes.INVALID);
    assertThat(missing.err()).contains("Missing required option: '--config=<config>'").contains("Usage: bastion serve");
    PolicyCommandTest.Run bad = PolicyCommandTest.run("demo", "--port", "eighty");
    assertThat(bad.exit()).isEqualTo(ExitCodes.INVALID);
    assertThat(bad.err()).contains("'eighty' is not an int").contains("Usage: bastion demo");
  }

  @Test
  void parsingAPlainInvocationPrintsNothing() {
    // picocli resets every option to its initial value before parsing: an int option without one
    // used to hand null to its setter and print a "[picocli WARN] Could not set initial value" line
    // (with a NullPointerException built for it) on every `bastion demo` start
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    try {
      System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
      assertThat(GatewayCommands.commandLine("demo", "--port", "18000")).isNotNull();
      assertThat(GatewayCommands.commandLine("demo")).isNotNull();
      assertThat(GatewayCommands.commandLine("serve", "-c", "b.yaml")).isNotNull();
    } finally {
      System.setErr(err);
    }
    assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
  }

  /** What parsing depends on, per option: names, type, arity, default, required, hidden, help flags. */
  private static Map<String, String> describe(CommandSpec spec) {
    Map<String, String> m = new TreeMap<>();
    for (OptionSpec o : spec.options()) {
      m.put(
          o.longestName(),
          List.of(o.names()) + " type=" + o.type() + " arity=" + o.arity() + " default=" + o.defaultValue() + " required=" + o.required() + " hidden=" + o.hidden()
              + " usageHelp=" + o.usageHelp() + " versionHelp=" + o.versionHelp());
    }
    return m;
  }
}
