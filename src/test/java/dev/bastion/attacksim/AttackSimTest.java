package dev.bastion.attacksim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import dev.bastion.config.FirewallConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The attack simulation on the example configuration: with every defence of the build, every
 * scenario that runs is blocked and every benign twin passes; and the flow-defended scenarios (toxic
 * flows, exfiltration, PI-01, PI-05) are blocked by flow rules alone, with the firewall's
 * prompt-injection detector only recording.
 */
class AttackSimTest {

  static BastionConfig example() {
    return switch (ConfigLoader.load(Path.of("examples/bastion.yaml"))) {
      case ConfigResult.Ok ok -> ok.config();
      case ConfigResult.Invalid bad -> throw new AssertionError(bad.errors());
    };
  }

  /** The example configuration with the firewall's prompt-injection (and obfuscation) detectors only recording, never redacting. */
  static BastionConfig injectionDetectorOff() {
    BastionConfig b = example();
    FirewallConfig fw = b.firewall();
    Map<String, FirewallConfig.Actions> actions = new HashMap<>(fw.actions());
    actions.put("injection", new FirewallConfig.Actions(FirewallConfig.Action.RECORD, FirewallConfig.Action.RECORD));
    actions.put("obfuscation", new FirewallConfig.Actions(FirewallConfig.Action.RECORD, FirewallConfig.Action.RECORD));
    FirewallConfig off = new FirewallConfig(fw.enabled(), actions, fw.linkHosts(), fw.validateSchema(), fw.maxResultChars(), fw.maxLineChars(),
        fw.onOversize(), fw.tools());
    return new BastionConfig(b.listen(), b.admin(), b.dataDir(), b.publicUrl(), b.security(), b.limits(), b.upstreams(), b.agents(), b.policy(),
        b.audit(), b.telemetry(), b.integrity(), b.identity(), b.rateLimits(), b.flow(), off);
  }

  @Test
  void flowRulesAloneBlockTheToxicFlowsWithTheInjectionDetectorOff() throws Exception {
    List<Scenario> flow = AttackSimCommand.select(ScenarioLoader.bundled(), List.of("TF-01", "TF-02", "EX-01", "EX-02", "EX-03", "PI-01", "PI-05"));
    assertThat(flow).hasSize(7);
    Scorecard card = new AttackSim(injectionDetectorOff(), Set.of("flow"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).run(flow);
    assertThat(card.allExpectationsMet()).as(card.text()).isTrue();
    assertThat(card.overall().run()).isEqualTo(7);
    assertThat(card.overall().blockRate()).isEqualTo(1.0);
    assertThat(card.overall().passRate()).isEqualTo(1.0);
  }

  @Test
  void withEveryDefencePresentEveryScenarioThatRunsIsBlockedAndEveryTwinPasses() throws Exception {
    List<Scenario> all = ScenarioLoader.bundled();
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    Scorecard card = new AttackSim(example(), AttackSim.PRESENT_DEFENCES, new PrintStream(progress, true, StandardCharsets.UTF_8)).run(all);
    assertThat(card.allExpectationsMet()).as(card.text()).isTrue();
    Scorecard.Tally overall = card.overall();
    // every scenario whose defence is present runs, unless it names the step type or the defence gap that keeps it from running
    assertThat(card.results()).allSatisfy(r -> assertThat(r.run()).isEqualTo(AttackSim.PRESENT_DEFENCES.contains(r.scenario().defence()) && r.scenario().notRun() == null));
    assertThat(overall.run()).isEqualTo(all.size());
    assertThat(overall.blockRate()).isEqualTo(1.0);
    assertThat(overall.passRate()).isEqualTo(1.0);
    assertThat(progress.toString(StandardCharsets.UTF_8)).contains("[#", "done");
    // every row of the catalogue runs: no step type and no defence is missing any more
    assertThat(card.results()).allSatisfy(r -> assertThat(r.scenario().notRun()).as(r.scenario().id()).isNull());
    assertThat(card.text()).doesNotContain("NOT RUN");
    assertThat(HtmlReport.render(card)).contains("<svg", "TF-01", "100%");
  }

  @Test
  void scenariosWhoseDefenceIsAbsentAreReportedAsNotRunNeverAsPassed() throws Exception {
    List<Scenario> pi = AttackSimCommand.select(ScenarioLoader.bundled(), List.of("PI-02", "PT-01"));
    Scorecard card = new AttackSim(example(), Set.of("flow"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).run(pi);
    assertThat(card.results()).allSatisfy(r -> {
      assertThat(r.run()).isFalse();
      assertThat(r.attackBlocked()).isFalse();
      assertThat(r.benignPassed()).isFalse();
    });
    assertThat(card.overall().run()).isZero();
    assertThat(card.text()).contains("defence absent: firewall");
  }

  @Test
  void aMissedExpectationIsReported() throws Exception {
    // the flow scenarios with flow control switched off: attacks get through, and the scorecard says so
    BastionConfig base = example();
    var f = base.flow();
    BastionConfig off = new BastionConfig(base.listen(), base.admin(), base.dataDir(), base.publicUrl(), base.security(), base.limits(),
        base.upstreams(), base.agents(), base.policy(), base.audit(), base.telemetry(), base.integrity(), base.identity(), base.rateLimits(),
        new dev.bastion.config.FlowConfig(false, f.servers(), f.internalDomains(), f.rules(), f.egressBudgetBytes(), f.maxSessions(), f.sessionIdleTimeout()), base.firewall());
    List<Scenario> one = AttackSimCommand.select(ScenarioLoader.bundled(), List.of("EX-01"));
    Scorecard card = new AttackSim(off, Set.of("flow"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).run(one);
    assertThat(card.allExpectationsMet()).isFalse();
    assertThat(card.overall().blockRate()).isZero();
    assertThat(card.overall().passRate()).isEqualTo(1.0);
    assertThat(card.text()).contains("MISSED EX-01 attack", "reached the tool");
  }
}
