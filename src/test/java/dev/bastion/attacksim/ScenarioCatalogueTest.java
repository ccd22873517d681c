package dev.bastion.attacksim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScenarioCatalogueTest {
  /** Every row of the attack catalogue (ATTACKS.md). */
  static final List<String> ROWS = List.of(
      "PI-01", "PI-02", "PI-03", "PI-04", "PI-05", "TP-01", "TP-02", "TP-03", "TP-04", "RP-01", "RP-02", "SH-01", "SH-02",
      "TF-01", "TF-02", "EX-01", "EX-02", "EX-03", "CD-01", "CD-02", "SS-01", "SS-02", "PT-01", "CI-01", "CI-02", "SL-01",
      "SL-02", "PII-01", "PE-01", "PE-02", "RE-01", "RE-02", "SR-01", "JR-01", "JR-02", "UC-01", "UC-02", "UC-03", "B64-01", "AN-01");

  @Test
  void everyCatalogueRowHasExactlyOneScenarioWithAnAttackABenignTwinAndADefence() {
    List<Scenario> all = ScenarioLoader.bundled();
    assertThat(all).extracting(Scenario::id).containsExactlyInAnyOrderElementsOf(ROWS);
    Set<String> defences = Set.of("flow", "firewall", "integrity", "limits", "identity", "protocol", "policy");
    assertThat(all).allSatisfy(s -> {
      assertThat(s.attack()).isNotEmpty();
      assertThat(s.benign()).isNotEmpty();
      assertThat(defences).contains(s.defence());
      assertThat(s.attack()).anySatisfy(step -> assertThat(step.expect() != Scenario.Expect.ALLOWED || step.responseLacks() != null || step.responseMaxChars() > 0).isTrue());
    });
  }

  @Test
  void theToxicFlowScenariosExpectTheFlowDefence() {
    assertThat(AttackSimCommand.select(ScenarioLoader.bundled(), List.of("TF-01", "TF-02", "EX-01", "EX-02", "EX-03", "PI-01", "PI-05")))
        .hasSize(7).allSatisfy(s -> assertThat(s.defence()).isEqualTo("flow"));
  }

  @Test
  void toolNamesAreUniquePerServerAcrossScenarios() {
    List<String> names = ScenarioLoader.bundled().stream().flatMap(s -> s.tools().stream()).map(t -> t.server() + "__" + t.name()).toList();
    assertThat(names).doesNotHaveDuplicates();
  }

  @Test
  void templatesEncodeArguments() {
    assertThat(AttackSim.expand("q=${b64:hi there}")).isEqualTo("q=aGkgdGhlcmU=");
    assertThat(AttackSim.expand("${hex:ok}.x")).isEqualTo("6f6b.x");
    assertThat(AttackSim.expand("${url:a b&c}")).isEqualTo("a+b%26c");
  }

  @Test
  void malformedScenarioFilesFailWithTheirName() {
    assertThatThrownBy(() -> ScenarioLoader.parse("- id: X-01\n  category: X\n  defence: flow\n  attack: []\n", "bad.yaml"))
        .hasMessageContaining("bad.yaml X-01 attack");
    assertThatThrownBy(() -> ScenarioLoader.parse("id: X", "bad.yaml")).hasMessageContaining("bad.yaml");
  }
}
