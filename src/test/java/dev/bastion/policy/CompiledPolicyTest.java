package dev.bastion.policy;

import static dev.bastion.policy.Fixtures.agent;
import static dev.bastion.policy.Fixtures.call;
import static dev.bastion.policy.Fixtures.compiled;
import static dev.bastion.policy.Fixtures.rule;
import static dev.bastion.policy.Fixtures.shadowRule;
import static dev.bastion.policy.Fixtures.tool;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.PolicyConfig.Effect;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Target;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompiledPolicyTest {

  private final Target sendEmail = tool("mail", "send_email",
      "{\"name\":\"send_email\",\"description\":\"Send an email\",\"annotations\":{\"openWorldHint\":true}}");
  private final Principal supportBot = agent("support-bot", "support");

  @Test
  void denyOverridesAllowAndTheDenialNamesOnlyTheDenyingRules() {
    CompiledPolicy policy = compiled(Effect.DENY,
        rule("support-mail", Effect.ALLOW, "'support' in agent.roles && tool.name == 'send_email'"),
        rule("external-mail", Effect.DENY, "!args.to.endsWith('@example.com')"));

    Decision d = policy.decide(call(supportBot, sendEmail, "{\"to\":\"eve@evil.test\"}")).decision();

    assertThat(d).isInstanceOfSatisfying(Decision.Deny.class, deny -> {
      assertThat(deny.reason()).isEqualTo(ReasonCode.POLICY_DENIED);
      assertThat(deny.ruleIds()).containsExactly("external-mail");
      assertThat(deny.message()).isEqualTo("denied by policy rule external-mail").doesNotContain("endsWith");
    });
  }

  @Test
  void anAllowedCallCarriesEveryAllowRuleThatMatched() {
    CompiledPolicy policy = compiled(Effect.DENY,
        rule("support-mail", Effect.ALLOW, "'support' in agent.roles && tool.name == 'send_email'"),
        rule("internal-mail", Effect.ALLOW, "args.to.endsWith('@example.com')"),
        rule("external-mail", Effect.DENY, "!args.to.endsWith('@example.com')"));

    Decision d = policy.decide(call(supportBot, sendEmail, "{\"to\":\"bob@example.com\"}")).decision();

    assertThat(d).isEqualTo(new Decision.Allow(List.of("support-mail", "internal-mail")));
  }

  @Test
  void whenNoRuleMatchesTheDefaultDeniesWithTheDefaultRuleId() {
    CompiledPolicy policy = compiled(Effect.DENY, rule("ops-only", Effect.ALLOW, "'ops' in agent.roles"));

    Decision d = policy.decide(call(supportBot, sendEmail, "{}")).decision();

    assertThat(d).isInstanceOfSatisfying(Decision.Deny.class, deny -> {
      assertThat(deny.ruleIds()).containsExactly(CompiledPolicy.DEFAULT_RULE_ID);
      assertThat(deny.message()).contains("no rule allows");
    });
  }

  @Test
  void anAllowDefaultAllowsWhatNoRuleMentions() {
    CompiledPolicy policy = compiled(Effect.ALLOW, rule("no-shell", Effect.DENY, "tool.name == 'shell'"));

    assertThat(policy.decide(call(supportBot, sendEmail, "{}")).decision()).isEqualTo(new Decision.Allow(List.of("default")));
  }

  @Test
  void askOverridesAllowButNotDeny() {
    CompiledPolicy askOnly = compiled(Effect.DENY,
        rule("mail", Effect.ALLOW, "tool.name == 'send_email'"),
        rule("confirm-external", Effect.ASK, "!args.to.endsWith('@example.com')"));
    CompiledPolicy withDeny = compiled(Effect.DENY,
        rule("confirm-external", Effect.ASK, "!args.to.endsWith('@example.com')"),
        rule("block-evil", Effect.DENY, "args.to.endsWith('@evil.test')"));

    assertThat(askOnly.decide(call(supportBot, sendEmail, "{\"to\":\"x@other.test\"}")).decision())
        .isInstanceOfSatisfying(Decision.Ask.class, ask -> {
          assertThat(ask.ruleIds()).containsExactly("confirm-external");
          assertThat(ask.message()).isEqualTo("approval required by rule confirm-external; approvals are not enabled");
        });
    assertThat(withDeny.decide(call(supportBot, sendEmail, "{\"to\":\"x@evil.test\"}")).decision())
        .isInstanceOfSatisfying(Decision.Deny.class, deny -> assertThat(deny.ruleIds()).containsExactly("block-evil"));
  }

  @Test
  void aDenyRuleThatFailsToEvaluateFailsClosedAndCountsAsMatching() {
    CompiledPolicy policy = compiled(Effect.DENY,
        rule("mail", Effect.ALLOW, "tool.name == 'send_email'"),
        rule("big-attachments", Effect.DENY, "args.attachment_bytes > 1000000"));

    PolicyEvaluation evaluation = policy.decide(call(supportBot, sendEmail, "{\"to\":\"bob@example.com\"}"));

    assertThat(evaluation.decision()).isInstanceOfSatisfying(Decision.Deny.class,
        deny -> assertThat(deny.ruleIds()).containsExactly("big-attachments"));
    assertThat(evaluation.notes()).containsExactly("policy rule big-attachments failed to evaluate; counted as matching");
  }

  @Test
  void anAllowRuleThatFailsToEvaluateDoesNotAllow() {
    CompiledPolicy policy = compiled(Effect.DENY, rule("confirmed", Effect.ALLOW, "args.confirmed == true"));

    PolicyEvaluation evaluation = policy.decide(call(supportBot, sendEmail, "{}"));

    assertThat(evaluation.decision()).isInstanceOf(Decision.Deny.class);
    assertThat(evaluation.decision().ruleIds()).containsExactly("default");
    assertThat(evaluation.notes()).containsExactly("policy rule confirmed failed to evaluate; counted as not matching");
  }

  @Test
  void shadowRulesAreReportedButNeverEnforced() {
    CompiledPolicy policy = compiled(Effect.DENY,
        rule("mail", Effect.ALLOW, "tool.name == 'send_email'"),
        shadowRule("night-block", Effect.DENY, "true"),
        shadowRule("also-allow", Effect.ALLOW, "true"),
        shadowRule("never", Effect.DENY, "false"));

    PolicyEvaluation evaluation = policy.decide(call(supportBot, sendEmail, "{}"));

    assertThat(evaluation.decision()).isEqualTo(new Decision.Allow(List.of("mail")));
    assertThat(evaluation.shadow()).containsExactly(
        "shadow rule night-block would deny; decision would change from allow to deny",
        "shadow rule also-allow would allow; decision unchanged (allow)");
  }

  @Test
  void everyVariableIsAvailableWithTheDocumentedFields() {
    Principal delegated = new Principal("copilot", List.of("dev"), "alice", "jwt", Map.of("tenant", "acme", "level", 3));
    Target defined = tool("tickets", "read_ticket",
        "{\"name\":\"read_ticket\",\"description\":\"Reads a ticket\",\"annotations\":{\"readOnlyHint\":true}}");
    PolicyInput input = new PolicyInput(delegated, "tools/call", defined,
        Fixtures.json("{\"name\":\"tickets__read_ticket\",\"arguments\":{\"id\":42,\"ratio\":0.5,\"tags\":[\"a\"],\"opt\":null,\"nested\":{\"k\":true}}}"),
        new SessionFacts("s-1", 7, List.of("private")), Instant.parse("2026-11-22T23:30:00Z"), "10.0.0.8");
    List<String> conditions = List.of(
        "agent.id == 'copilot' && 'dev' in agent.roles && agent.claims.tenant == 'acme' && agent.claims.level == 3 && agent.auth_method == 'jwt'",
        "user.id == 'alice'",
        "tool.server == 'tickets' && tool.name == 'read_ticket' && tool.exposed_name == 'tickets__read_ticket'",
        "tool.annotations.readOnlyHint == true && tool.annotations.destructiveHint == true && tool.annotations.openWorldHint == true",
        "tool.description_hash == 'sha256:' + '" + Activations.sha256("Reads a ticket").substring(7) + "'",
        "args.id == 42 && args.id > 41.5 && args.ratio < 1 && args.tags == ['a'] && args.opt == null && args.nested.k",
        "method == 'tools/call'",
        "session.id == 's-1' && session.call_count == 7 && 'private' in session.labels",
        "request.time.getHours() == 23 && request.time > timestamp('2026-01-01T00:00:00Z') && request.client_address == '10.0.0.8'",
        "resource.uri == '' && prompt.name == ''");
    for (String condition : conditions) {
      CompiledPolicy policy = compiled(Effect.DENY, rule("probe", Effect.ALLOW, condition));
      assertThat(policy.decide(input).decision()).as(condition).isEqualTo(new Decision.Allow(List.of("probe")));
    }
  }

  @Test
  void resourceReadsExposeTheRequestedUri() {
    Target docs = new Target(Target.Kind.RESOURCE, "files", "file:///docs/a.md", "file:///docs/a.md", null);
    PolicyInput read = new PolicyInput(supportBot, "resources/read", docs, Fixtures.json("{\"uri\":\"file:///docs/a.md\"}"),
        SessionFacts.NONE, Instant.EPOCH, "");
    CompiledPolicy policy = compiled(Effect.DENY, rule("docs", Effect.ALLOW, "resource.uri.startsWith('file:///docs/') && resource.server == 'files'"));

    assertThat(policy.decide(read).decision()).isEqualTo(new Decision.Allow(List.of("docs")));
  }
}
