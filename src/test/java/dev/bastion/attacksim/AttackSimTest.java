package dev.bastion.attacksim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The attack simulation on the example configuration: the flow-defended scenarios (toxic flows,
 * exfiltration, PI-01, PI-05, PE-02) against a live gateway with no content detector in the build —
 * flow rules alone must block every attack and pass every benign twin.
 */
class AttackSimTest {

  static BastionConfig example() {
    return switch (ConfigLoader.load(Path.of("examples/bastion.yaml"))) {
      case ConfigResult.Ok ok -> ok.config();
      case ConfigResult.Invalid bad -> throw new AssertionError(bad.errors());
    };
  }

  @Test
  void flowScenariosAreAllBlockedAndTheirBenignTwinsAllPass() throws Exception {
    List<Scenario> flow = AttackSimCommand.select(ScenarioLoader.bundled(), List.of("TF", "EX", "PI-01", "PI-05", "PE-02"));
    assertThat(flow).extracting(Scenario::id).contains("TF-01", "TF-02", "EX-01", "EX-02", "EX-03", "PI-01", "PI-05");
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    Scorecard card = new AttackSim(example(), Set.of("flow"), new PrintStream(progress, true, StandardCharsets.UTF_8)).run(flow);
    assertThat(card.allExpectationsMet()).as(card.text()).isTrue();
    Scorecard.Tally all = card.overall();
    assertThat(all.run()).isEqualTo(flow.size());
    assertThat(all.blockRate()).isEqualTo(1.0);
    assertThat(all.passRate()).isEqualTo(1.0);
    assertThat(progress.toString(StandardCharsets.UTF_8)).contains("[#", "done");
    assertThat(HtmlReport.render(card)).contains("<svg", "TF-01", "100%");
  }

  @Test
  void scenariosWhoseDefenceIsAbsentAreReportedAsNotRunNeverAsPassed() throws Exception {
    List<Scenario> pi = AttackSimCommand.select(ScenarioLoader.bundled(), List.of("PI-02", "PI-04"));
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
