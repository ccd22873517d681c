package dev.bastion.config;

import static dev.bastion.config.ConfigTesting.ok;
import static dev.bastion.config.ConfigTesting.onlyError;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FlowConfigTest {

  @Test
  void absentSectionMeansFlowControlOnWithDefaults() {
    FlowConfig f = ok("policy: { default: deny }\n").flow();
    assertThat(f).isEqualTo(FlowConfig.DEFAULT);
    assertThat(f.enabled()).isTrue();
    assertThat(f.rules().exfiltration()).isEqualTo(FlowConfig.RuleMode.ENFORCE);
  }

  @Test
  void bindsLabelsRulesAndBounds() {
    FlowConfig f = ok("""
        upstreams:
          crm: { command: [crm-server] }
        flow:
          internal_domains: [Example.com, corp.example.net]
          labels:
            crm:
              confidentiality: private
              tools:
                export: { confidentiality: pii, sink: external, key_arguments: [channel] }
                lookup: { integrity: untrusted }
              resources:
                "crm://public/": { confidentiality: public }
          rules: { exfiltration: shadow, untrusted_key_argument: ask, egress_budget: off }
          egress_budget_bytes: 1000
          max_sessions: 50
          session_idle_timeout: 10m
        """).flow();
    assertThat(f.internalDomains()).containsExactly("example.com", "corp.example.net");
    FlowConfig.ServerLabels crm = f.servers().get("crm");
    assertThat(crm.server().confidentiality()).isEqualTo("private");
    assertThat(crm.tools().get("export")).isEqualTo(new FlowConfig.LabelSpec("pii", null, FlowConfig.Sink.EXTERNAL, java.util.List.of("channel")));
    assertThat(crm.tools().get("lookup").integrity()).isEqualTo(FlowConfig.Integrity.UNTRUSTED);
    assertThat(crm.resources().get("crm://public/").confidentiality()).isEqualTo("public");
    assertThat(f.rules()).isEqualTo(new FlowConfig.Rules(FlowConfig.RuleMode.SHADOW, FlowConfig.RuleMode.ASK, FlowConfig.RuleMode.OFF));
    assertThat(f.egressBudgetBytes()).isEqualTo(1000);
    assertThat(f.maxSessions()).isEqualTo(50);
  }

  @Test
  void badValuesAreReportedWithTheirPath() {
    ConfigError e = onlyError("""
        upstreams:
          crm: { command: [crm-server] }
        flow:
          labels:
            crm: { tools: { export: { sink: outside } } }
        """);
    assertThat(e.path()).isEqualTo("flow.labels.crm.tools.export.sink");
    assertThat(e.message()).contains("none, internal, external");

    ConfigError ask = onlyError("flow: { rules: { exfiltration: ask } }\n");
    assertThat(ask.path()).isEqualTo("flow.rules.exfiltration");

    ConfigError domain = onlyError("flow: { internal_domains: [\"https://example.com\"] }\n");
    assertThat(domain.path()).isEqualTo("flow.internal_domains[0]");
  }

  @Test
  void labelsForAnUnknownUpstreamAreAnError() {
    ConfigError e = onlyError("""
        upstreams:
          crm: { command: [crm-server] }
        flow:
          labels:
            cmr: { confidentiality: private }
        """);
    assertThat(e.path()).isEqualTo("flow.labels.cmr");
    assertThat(e.message()).contains("unknown upstream", "crm");
  }
}
