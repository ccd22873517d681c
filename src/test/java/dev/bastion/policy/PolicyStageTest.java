package dev.bastion.policy;

import static dev.bastion.policy.Fixtures.agent;
import static dev.bastion.policy.Fixtures.compiled;
import static dev.bastion.policy.Fixtures.rule;
import static dev.bastion.policy.Fixtures.shadowRule;
import static dev.bastion.policy.Fixtures.tool;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.PolicyConfig.Effect;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Pipeline;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import dev.bastion.pipeline.Target;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

class PolicyStageTest {

  private final Target sendEmail = tool("mail", "send_email", null);
  private final Principal supportBot = agent("support-bot", "support");
  private final AtomicInteger upstreamCalls = new AtomicInteger();

  private final Stage upstream = new Stage() {
    @Override
    public String name() {
      return "upstream";
    }

    @Override
    public Outcome handle(Exchange exchange, Chain chain) {
      upstreamCalls.incrementAndGet();
      return Outcome.success(JsonNodeFactory.instance.objectNode().put("ok", true));
    }
  };

  private static Exchange exchange(Principal principal, String method, Target target, String paramsJson) {
    ObjectNode params = Fixtures.json(paramsJson);
    return new Exchange("x1", Instant.parse("2026-11-22T10:00:00Z"), Era.LEGACY, "2025-11-25", "127.0.0.1",
        new Exchange.Credential("Bearer", "k"), principal, "sess-1",
        new JsonRpcMessage.Request(JsonNodeFactory.instance.numberNode(1), method, params),
        target, Exchange.NotificationSink.DISCARD, new ExchangeLog());
  }

  private Outcome run(CompiledPolicy policy, Exchange exchange) {
    return new Pipeline(List.of(new PolicyStage(policy), upstream)).run(exchange);
  }

  private final CompiledPolicy mailPolicy = compiled(Effect.DENY,
      rule("support-mail", Effect.ALLOW, "'support' in agent.roles && tool.name == 'send_email'"),
      rule("external-mail", Effect.DENY, "!args.to.endsWith('@example.com')"),
      rule("confirm-bulk", Effect.ASK, "size(args.cc) > 10"),
      shadowRule("night-block", Effect.DENY, "session.id == 'sess-1'"));

  @Test
  void anAllowedCallReachesTheUpstreamAndTheDecisionIsRecorded() {
    Exchange ex = exchange(supportBot, "tools/call", sendEmail, "{\"name\":\"mail__send_email\",\"arguments\":{\"to\":\"bob@example.com\",\"cc\":[]}}");

    Outcome outcome = run(mailPolicy, ex);

    assertThat(outcome).isInstanceOf(Outcome.Success.class);
    assertThat(upstreamCalls).hasValue(1);
    assertThat(ex.log().decision()).isEqualTo(new Decision.Allow(List.of("support-mail")));
    assertThat(ex.log().shadowDecisions()).containsExactly("shadow rule night-block would deny; decision would change from allow to deny");
  }

  @Test
  void aDeniedCallFailsWithTheRuleIdAndReasonCodeButNeverTheCondition() {
    Exchange ex = exchange(supportBot, "tools/call", sendEmail, "{\"name\":\"mail__send_email\",\"arguments\":{\"to\":\"eve@evil.test\",\"cc\":[]}}");

    Outcome outcome = run(mailPolicy, ex);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Failure.class, f -> {
      assertThat(f.fault().code()).isEqualTo(ReasonCode.POLICY_DENIED);
      assertThat(f.fault().ruleIds()).containsExactly("external-mail");
      assertThat(f.fault().message()).isEqualTo("denied by policy rule external-mail").doesNotContain("endsWith", "example.com");
    });
    assertThat(upstreamCalls).hasValue(0);
    assertThat(ex.log().decision()).isInstanceOf(Decision.Deny.class);
  }

  @Test
  void anAskDecisionFailsAsApprovalRequired() {
    String manyCc = "[" + "\"a@example.com\",".repeat(11) + "\"b@example.com\"]";
    Exchange ex = exchange(supportBot, "tools/call", sendEmail, "{\"arguments\":{\"to\":\"bob@example.com\",\"cc\":" + manyCc + "}}");

    Outcome outcome = run(mailPolicy, ex);

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Failure.class, f -> {
      assertThat(f.fault().code()).isEqualTo(ReasonCode.APPROVAL_REQUIRED);
      assertThat(f.fault().ruleIds()).containsExactly("confirm-bulk");
      assertThat(f.fault().message()).isEqualTo("approval required by rule confirm-bulk; approvals are not enabled");
    });
    assertThat(upstreamCalls).hasValue(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"initialize", "ping", "server/discover", "tools/list", "resources/list", "resources/templates/list",
      "prompts/list", "notifications/initialized", "notifications/cancelled"})
  void protocolHousekeepingPassesWithoutADecision(String method) {
    CompiledPolicy denyEverything = compiled(Effect.DENY, rule("all", Effect.DENY, "true"));
    Exchange ex = exchange(supportBot, method, Target.GATEWAY, "{}");

    assertThat(run(denyEverything, ex)).isInstanceOf(Outcome.Success.class);
    assertThat(ex.log().decision()).isNull();
    assertThat(PolicyStage.scopeOf(method)).isEqualTo(PolicyStage.Scope.HOUSEKEEPING);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tools/call", "resources/read", "prompts/get", "completion/complete", "resources/subscribe", "logging/setLevel", "made/up"})
  void everyOtherMethodIsDecidedAndDeniedByDefault(String method) {
    Exchange ex = exchange(supportBot, method, Target.GATEWAY, "{}");

    assertThat(run(compiled(Effect.DENY), ex)).isInstanceOfSatisfying(Outcome.Failure.class,
        f -> assertThat(f.fault().ruleIds()).containsExactly("default"));
    assertThat(PolicyStage.scopeOf(method)).isEqualTo(PolicyStage.Scope.DECIDED);
  }

  @Test
  void aSwappedPolicyTakesEffectOnTheNextExchange() {
    AtomicReference<CompiledPolicy> current = new AtomicReference<>(compiled(Effect.DENY));
    Pipeline pipeline = new Pipeline(List.of(new PolicyStage(current::get, PolicyStage::sessionIdOnly), upstream));
    String params = "{\"arguments\":{\"to\":\"bob@example.com\"}}";

    assertThat(pipeline.run(exchange(supportBot, "tools/call", sendEmail, params))).isInstanceOf(Outcome.Failure.class);
    current.set(compiled(Effect.DENY, rule("mail", Effect.ALLOW, "tool.name == 'send_email'")));
    assertThat(pipeline.run(exchange(supportBot, "tools/call", sendEmail, params))).isInstanceOf(Outcome.Success.class);
  }

  @Test
  void sessionFactsFromTheProviderReachThePolicy() {
    CompiledPolicy labelled = compiled(Effect.ALLOW, rule("no-exfil", Effect.DENY, "'private' in session.labels && session.call_count > 3"));
    Stage stage = new PolicyStage(() -> labelled, ex -> new SessionFacts(ex.sessionId(), 4, List.of("private")));

    Outcome outcome = new Pipeline(List.of(stage, upstream)).run(exchange(supportBot, "tools/call", sendEmail, "{}"));

    assertThat(outcome).isInstanceOfSatisfying(Outcome.Failure.class, f -> assertThat(f.fault().ruleIds()).containsExactly("no-exfil"));
  }
}
