package dev.bastion.attacksim;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bastion attack-sim}: runs the attack catalogue against a live gateway built from a configuration. */
@Command(
    name = "attack-sim",
    mixinStandardHelpOptions = true,
    description = {
      "Runs every scenario of the attack catalogue (ATTACKS.md), each with its benign twin, against a live Bastion built from",
      "the configuration, and prints a scorecard (attack block rate, benign pass rate, added latency) per category.",
      "Scenarios whose defence is not part of this build are reported as not run."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every expectation met", "1:an expectation was missed", "2:invalid usage or configuration"})
public final class AttackSimCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "Configuration to build the gateway from (its upstreams are replaced by the test servers). Default: a deny-by-default config with flow control on.")
  Path config;

  @Option(names = "--only", paramLabel = "CATEGORY", split = ",", description = "Run only these categories (e.g. TF,EX) or scenario ids (e.g. PI-01).")
  List<String> only = List.of();

  @Option(names = "--report", paramLabel = "FILE", defaultValue = "attack-sim-report.html", description = "Where to write the HTML report (default: ${DEFAULT-VALUE}).")
  Path report;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    var err = spec.commandLine().getErr();
    var out = spec.commandLine().getOut();
    ConfigResult loaded = config == null
        ? ConfigLoader.parse("policy: { default: deny }\n", Path.of(".").toAbsolutePath(), System::getenv)
        : ConfigLoader.load(config);
    BastionConfig base = switch (loaded) {
      case ConfigResult.Ok ok -> ok.config();
      case ConfigResult.Invalid bad -> {
        bad.errors().forEach(e -> err.println("bastion: " + e));
        yield null;
      }
    };
    if (base == null) {
      return 2;
    }
    List<Scenario> scenarios = select(ScenarioLoader.bundled(), only);
    if (scenarios.isEmpty()) {
      err.println("bastion: --only " + String.join(",", only) + " matches no scenario");
      return 2;
    }
    Scorecard card = new AttackSim(base, AttackSim.PRESENT_DEFENCES, System.err).run(scenarios);
    out.print(card.text());
    Files.writeString(report, HtmlReport.render(card), StandardCharsets.UTF_8);
    out.println("report: " + report.toAbsolutePath());
    out.flush();
    return card.allExpectationsMet() ? 0 : 1;
  }

  /** Scenarios whose category or id is listed (case-insensitive); all when the list is empty. */
  public static List<Scenario> select(List<Scenario> all, List<String> only) {
    if (only.isEmpty()) {
      return all;
    }
    List<String> wanted = only.stream().map(s -> s.strip().toUpperCase(Locale.ROOT)).toList();
    return all.stream().filter(s -> wanted.contains(s.category().toUpperCase(Locale.ROOT)) || wanted.contains(s.id().toUpperCase(Locale.ROOT))).toList();
  }
}
