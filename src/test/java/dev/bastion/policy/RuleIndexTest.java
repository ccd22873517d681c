package dev.bastion.policy;

import static dev.bastion.policy.Fixtures.agent;
import static dev.bastion.policy.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.PolicyConfig;
import dev.bastion.config.PolicyConfig.Effect;
import dev.bastion.config.PolicyConfig.Mode;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The rule index never changes a decision: property test against evaluating every rule. */
class RuleIndexTest {

  private static final String[] METHODS = {"tools/call", "resources/read", "prompts/get", "completion/complete"};
  private static final String[] SERVERS = {"mail", "tickets", "fs"};
  private static final String[] TOOLS = {"send", "read", "write", "delete", ""};

  private static String pick(Random r, String... options) {
    return options[r.nextInt(options.length)];
  }

  private static String atom(Random r) {
    return switch (r.nextInt(13)) {
      case 0 -> "method == '" + pick(r, METHODS) + "'";
      case 1 -> "tool.name == '" + pick(r, TOOLS) + "'";
      case 2 -> "'" + pick(r, SERVERS) + "' == tool.server";
      case 3 -> "tool.name in ['" + pick(r, TOOLS) + "', '" + pick(r, TOOLS) + "']";
      case 4 -> "args.n > " + r.nextInt(5); // fails to evaluate when n is missing or not a number
      case 5 -> "'" + pick(r, "dev", "ops", "support") + "' in agent.roles";
      case 6 -> "args.to.endsWith('@example.com')";
      case 7 -> "tool.annotations.destructiveHint == true";
      case 8 -> "resource.uri.startsWith('file:///')";
      case 9 -> "!(tool.name == '" + pick(r, TOOLS) + "')";
      case 10 -> "method in ['" + pick(r, METHODS) + "']";
      case 11 -> "agent.id == '" + pick(r, "a", "b") + "'";
      default -> r.nextBoolean() ? "true" : "false";
    };
  }

  private static String condition(Random r, int depth) {
    if (depth == 0 || r.nextInt(3) == 0) {
      return atom(r);
    }
    String op = r.nextInt(4) == 0 ? " || " : " && ";
    return "(" + condition(r, depth - 1) + op + condition(r, depth - 1) + ")";
  }

  private static PolicyInput request(Random r) {
    String method = pick(r, METHODS);
    Principal p = r.nextBoolean() ? agent(pick(r, "a", "b"), pick(r, "dev", "ops", "support")) : agent("a", "dev", "support");
    Target target = switch (method) {
      case "tools/call" -> Fixtures.tool(pick(r, SERVERS), pick(r, "send", "read", "write", "delete"),
          r.nextBoolean() ? null : "{\"name\":\"x\",\"annotations\":{\"destructiveHint\":" + r.nextBoolean() + "}}");
      case "resources/read" -> new Target(Target.Kind.RESOURCE, pick(r, SERVERS), "r", "r", null);
      default -> Target.GATEWAY;
    };
    ObjectNode params = Fixtures.json("{}");
    ObjectNode args = params.putObject("arguments");
    switch (r.nextInt(4)) {
      case 0 -> args.put("n", r.nextInt(6));
      case 1 -> args.put("n", "text");
      case 2 -> args.put("to", r.nextBoolean() ? "bob@example.com" : "eve@evil.test");
      default -> {}
    }
    if (method.equals("resources/read")) {
      params.put("uri", r.nextBoolean() ? "file:///etc/x" : "https://x");
    }
    return new PolicyInput(p, method, target, params, SessionFacts.NONE, Instant.parse("2026-11-22T10:00:00Z"), "127.0.0.1");
  }

  @Test
  void indexedDecisionsEqualEvaluatingEveryRuleOverRandomPoliciesAndRequests() {
    Random r = new Random(20261130L);
    int indexedSomewhere = 0;
    for (int policyNo = 0; policyNo < 80; policyNo++) {
      List<PolicyConfig.Rule> rules = new ArrayList<>();
      int n = 1 + r.nextInt(25);
      for (int i = 0; i < n; i++) {
        Effect effect = Effect.values()[r.nextInt(3)];
        Mode mode = r.nextInt(5) == 0 ? Mode.SHADOW : Mode.ENFORCE;
        rules.add(new PolicyConfig.Rule("r" + i, effect, condition(r, 3), mode, null, 0));
      }
      CompiledPolicy policy = Fixtures.compiled(Effect.values()[r.nextInt(3)], rules.toArray(PolicyConfig.Rule[]::new));
      if (policy.unindexedRules() < n) {
        indexedSomewhere++;
      }
      for (int q = 0; q < 40; q++) {
        PolicyInput in = request(r);
        PolicyEvaluation indexed = policy.decide(in);
        PolicyEvaluation naive = policy.decideWithoutIndex(in);
        assertThat(indexed).as("policy %s, request %s %s", rules, in.method(), in.target()).isEqualTo(naive);
      }
    }
    assertThat(indexedSomewhere).as("the generator produces indexable rules").isGreaterThan(25);
  }

  @Test
  void literalConjunctsBecomeGuardsAndEverythingElseStaysInTheCatchAll() {
    CompiledPolicy p = Fixtures.compiled(Effect.DENY,
        rule("a", Effect.ALLOW, "tool.name == 'send' && tool.server == 'mail' && args.to.endsWith('@x.com')"),
        rule("b", Effect.ALLOW, "method == 'resources/read'"),
        rule("c", Effect.DENY, "tool.name == 'send' || tool.name == 'read'"),
        rule("d", Effect.ALLOW, "tool.name in ['read', 'list'] && 'dev' in agent.roles"));
    assertThat(p.unindexedRules()).isEqualTo(1); // only c: a disjunction
    List<CompiledPolicy.RuleTrace> trace = p.explain(Fixtures.call(agent("x", "dev"), Fixtures.tool("tickets", "read", null), "{}"));
    assertThat(trace).extracting(CompiledPolicy.RuleTrace::id, CompiledPolicy.RuleTrace::skippedByIndex)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", true),
            org.assertj.core.groups.Tuple.tuple("b", true),
            org.assertj.core.groups.Tuple.tuple("c", false),
            org.assertj.core.groups.Tuple.tuple("d", false));
    assertThat(trace.get(3).outcome()).isEqualTo("true");
    assertThat(RuleIndex.Guard.NONE.isNone()).isTrue();
  }

  @Test
  void aConditionMadeOnlyOfGuardLiteralsIsDecidedByItsGuardAndAnythingElseStillRunsCel() {
    CompiledPolicy p = Fixtures.compiled(Effect.DENY,
        rule("whole", Effect.ALLOW, "tool.name in ['read', 'list'] && 'dev' in agent.roles && agent.id == 'x' && true"),
        rule("partial", Effect.DENY, "tool.name == 'read' && args.n > 2"),
        rule("method", Effect.ASK, "method == 'tools/call' && tool.server == 'crm'"));
    List<RuleIndex.Guard> guards = p.rules().stream().map(CompiledPolicy.CompiledRule::guard).toList();
    assertThat(guards).extracting(RuleIndex.Guard::complete).containsExactly(true, false, true);
    // the shortcut agrees with CEL: the dev agent is allowed by "whole", the ops agent falls to the default
    PolicyInput dev = Fixtures.call(agent("x", "dev"), Fixtures.tool("tickets", "read", null), "{\"n\": 1}");
    PolicyInput other = Fixtures.call(agent("x", "ops"), Fixtures.tool("tickets", "read", null), "{\"n\": 1}");
    assertThat(p.decide(dev).decision()).isEqualTo(p.decideWithoutIndex(dev).decision());
    assertThat(p.decide(other).decision()).isEqualTo(p.decideWithoutIndex(other).decision());
    assertThat(p.decide(dev).decision().ruleIds()).containsExactly("whole");
    assertThat(p.decide(other).decision().ruleIds()).containsExactly(CompiledPolicy.DEFAULT_RULE_ID);
  }
}
