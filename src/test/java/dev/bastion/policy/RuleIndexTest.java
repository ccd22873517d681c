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
    return switch (r.nextInt(30)) {
      case 0 -> "method == '" + pick(r, METHODS) + "'";
      case 1 -> "tool.name == '" + pick(r, TOOLS) + "'";
      case 2 -> "'" + pick(r, SERVERS) + "' == tool.server";
      case 3 -> "tool.name in ['" + pick(r, TOOLS) + "', '" + pick(r, TOOLS) + "']";
      case 4 -> "args.n > " + r.nextInt(5); // fails to evaluate when n is missing or not a number
      case 5 -> "'" + pick(r, "dev", "ops", "support") + "' in agent.roles";
      case 6 -> "args.to.endsWith('@example.com')";
      case 7 -> "tool.annotations." + pick(r, "destructiveHint", "readOnlyHint", "custom") + " == " + r.nextBoolean();
      case 8 -> "resource.uri.startsWith('file:///')";
      case 9 -> "!(tool.name == '" + pick(r, TOOLS) + "')";
      case 10 -> "method in ['" + pick(r, METHODS) + "']";
      case 11 -> "agent.id == '" + pick(r, "a", "b") + "'";
      // argument presence and string tests (the full benchmark config's 333 ask rules have this shape)
      case 12, 13 -> "has(args.path) && args.path.startsWith('" + pick(r, PREFIXES) + "')";
      case 14 -> "has(args." + pick(r, ARG_NAMES) + ")";
      case 15 -> "args." + pick(r, ARG_NAMES) + ".startsWith('" + pick(r, PREFIXES) + "')"; // no has(): a missing argument fails
      case 16 -> "has(args.path) && args.path == '" + pick(r, PATHS) + "'";
      case 17 -> "'" + pick(r, PATHS) + "' " + pick(r, "==", "!=") + " args." + pick(r, ARG_NAMES);
      case 18 -> "!has(args." + pick(r, ARG_NAMES) + ")";
      case 19 -> "!args." + pick(r, ARG_NAMES) + "." + pick(r, "endsWith", "contains", "startsWith") + "('" + pick(r, "@example.com", "/", "x", "") + "')";
      case 20 -> "has(args.to) && !args.to.endsWith('@example.com')";
      case 21 -> "'" + pick(r, LABELS) + "' in session.labels";
      case 22 -> "!('" + pick(r, "dev", "ops") + "' in agent.roles)";
      case 23 -> "session.call_count " + pick(r, "<", "<=", ">", ">=", "==", "!=") + " " + r.nextInt(6);
      case 24 -> r.nextInt(6) + " " + pick(r, "<", "<=", ">", ">=", "==", "!=") + " session.call_count";
      case 25 -> pick(r, "true", "false") + " " + pick(r, "==", "!=") + " tool.annotations." + pick(r, "openWorldHint", "idempotentHint", "readOnlyHint");
      case 26 -> "has(args.path) && args.path.startsWith('/secret/') && !('ops' in agent.roles)";
      case 27 -> "args." + pick(r, ARG_NAMES) + ".contains('" + pick(r, "secret", "é", "\\u00e9") + "')";
      case 28 -> "has(args.path) && " + pick(r, "'ops' in agent.roles", "agent.id == 'a'", "tool.name == 'read'", "method == 'prompts/get'");
      default -> r.nextBoolean() ? "true" : "false";
    };
  }

  private static final String[] ARG_NAMES = {"path", "to", "n"};
  private static final String[] PREFIXES = {"/secret/1/", "/secret/2/", "/secret/", "/", "", "/s\u00e9cret/", "/\\U0001F600"};
  private static final String[] PATHS = {"/secret/1/a", "/secret/2/", "/secret/", "/public/x", "", "/s\u00e9cret/1", "/\\U0001F600/x"};
  private static final String[] LABELS = {"secret", "pii", "untrusted"};

  private static String condition(Random r, int depth) {
    if (depth == 0 || r.nextInt(3) == 0) {
      return atom(r);
    }
    String op = r.nextInt(4) == 0 ? " || " : " && ";
    return "(" + condition(r, depth - 1) + op + condition(r, depth - 1) + ")";
  }

  /** A JSON value for an argument: strings most of the time (prefix hits and misses), else every other JSON type. */
  private static String argValue(Random r) {
    return switch (r.nextInt(12)) {
      case 0 -> "42";
      case 1 -> "null";
      case 2 -> "{\"path\": \"/secret/1/x\"}";
      case 3 -> "[\"/secret/1/x\"]";
      case 4 -> "true";
      case 5 -> "2.5";
      default -> "\"" + pick(r, "/secret/1/a", "/secret/2/", "/secret/", "/secret/12/b", "/public/x", "", "bob@example.com",
          "eve@evil.test", "/s\\u00e9cret/1", "/\\ud83d\\ude00/x", "/\\ud83d", "secret") + "\"";
    };
  }

  private static PolicyInput request(Random r) {
    String method = pick(r, METHODS);
    Principal p = r.nextBoolean() ? agent(pick(r, "a", "b"), pick(r, "dev", "ops", "support")) : agent("a", "dev", "support");
    String annotations = switch (r.nextInt(5)) {
      case 0 -> "{\"destructiveHint\":" + r.nextBoolean() + "}";
      case 1 -> "{\"destructiveHint\":\"yes\",\"readOnlyHint\":null,\"custom\":" + r.nextBoolean() + "}";
      case 2 -> "[true]";
      case 3 -> "{\"openWorldHint\":false,\"idempotentHint\":1}";
      default -> "{}";
    };
    Target target = switch (method) {
      case "tools/call" -> Fixtures.tool(pick(r, SERVERS), pick(r, "send", "read", "write", "delete"),
          r.nextInt(3) == 0 ? null : "{\"name\":\"x\",\"annotations\":" + annotations + "}");
      case "resources/read" -> new Target(Target.Kind.RESOURCE, pick(r, SERVERS), "r", "r", null);
      default -> Target.GATEWAY;
    };
    ObjectNode params = Fixtures.json("{}");
    switch (r.nextInt(8)) {
      case 0 -> {} // no arguments: args is an empty map
      case 1 -> params.set("arguments", Fixtures.JSON.readTree(pick(r, "[1]", "\"text\"", "null")));
      default -> {
        StringBuilder json = new StringBuilder("{");
        for (String name : ARG_NAMES) {
          if (r.nextInt(3) > 0) {
            json.append(json.length() > 1 ? "," : "").append('"').append(name).append("\":").append(argValue(r));
          }
        }
        params.set("arguments", Fixtures.json(json.append('}').toString()));
      }
    }
    if (method.equals("resources/read")) {
      params.put("uri", r.nextBoolean() ? "file:///etc/x" : "https://x");
    }
    List<String> labels = new ArrayList<>();
    for (String label : LABELS) {
      if (r.nextInt(3) == 0) {
        labels.add(label);
      }
    }
    SessionFacts session = r.nextInt(4) == 0 ? SessionFacts.NONE : new SessionFacts("s", r.nextInt(7), labels);
    return new PolicyInput(p, method, target, params, session, Instant.parse("2026-11-22T10:00:00Z"), "127.0.0.1");
  }

  @Test
  void indexedDecisionsEqualEvaluatingEveryRuleOverRandomPoliciesAndRequests() {
    Random r = new Random(20261130L);
    int indexedSomewhere = 0;
    int decidedWithoutCel = 0;
    int skipped = 0;
    for (int policyNo = 0; policyNo < 120; policyNo++) {
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
      RuleIndex index = policy.enforcedIndex();
      // the conditions are type-checked together in one checker run; checked one by one they behave the same
      CompiledPolicy oneByOne = (CompiledPolicy) PolicyCompiler.compile(Fixtures.policy(policy.defaultEffect(),
          rules.toArray(PolicyConfig.Rule[]::new)), false);
      for (int q = 0; q < 50; q++) {
        PolicyInput in = request(r);
        PolicyEvaluation indexed = policy.decide(in);
        PolicyEvaluation naive = policy.decideWithoutIndex(in);
        assertThat(naive).as("checked together vs one by one: %s", rules).isEqualTo(oneByOne.decideWithoutIndex(in));
        assertThat(indexed).as("policy %s, request %s %s %s %s", rules, in.method(), in.target(), in.params(), in.session())
            .isEqualTo(naive);
        // the buckets lose no rule: every rule whose guard is not false is a candidate
        RuleIndex.Request request = new RuleIndex.Request(in);
        int[] candidates = index.candidates(request).toArray();
        for (int i = 1; i < candidates.length; i++) {
          assertThat(candidates[i]).as("candidates in configuration order, each once").isGreaterThan(candidates[i - 1]);
        }
        for (int i = 0; i < index.size(); i++) {
          Conjunct.Truth verdict = index.rule(i).guard().verdict(request);
          boolean candidate = java.util.Arrays.binarySearch(candidates, i) >= 0;
          if (verdict != Conjunct.Truth.FALSE) {
            assertThat(candidate).as("rule %s of %s for %s", index.rule(i).id(), rules, in.params()).isTrue();
          }
          decidedWithoutCel += verdict == Conjunct.Truth.TRUE ? 1 : 0;
          skipped += verdict == Conjunct.Truth.FALSE ? 1 : 0;
        }
      }
    }
    assertThat(indexedSomewhere).as("the generator produces indexable rules").isGreaterThan(40);
    assertThat(decidedWithoutCel).as("guards that decide a rule without CEL").isGreaterThan(500);
    assertThat(skipped).as("guards that skip a rule").isGreaterThan(5000);
  }

  @Test
  void argumentPresenceAndPrefixRulesAreKeyedByTheArgumentSoARequestWithoutItSelectsNone() {
    List<PolicyConfig.Rule> rules = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      rules.add(rule("ask-" + i, Effect.ASK, "has(args.path) && args.path.startsWith('/secret/" + i + "/')"));
      rules.add(rule("role-" + i, Effect.DENY, "'banned-" + i + "' in agent.roles"));
    }
    rules.add(rule("eq", Effect.DENY, "has(args.mode) && args.mode == 'rm'"));
    rules.add(rule("present", Effect.DENY, "has(args.force) && !('ops' in agent.roles)"));
    rules.add(rule("allow", Effect.ALLOW, "'bench' in agent.roles && tool.name == 'echo'"));
    CompiledPolicy p = Fixtures.compiled(Effect.DENY, rules.toArray(PolicyConfig.Rule[]::new));
    assertThat(p.unindexedRules()).isZero();
    RuleIndex index = p.enforcedIndex();
    Target echo = Fixtures.tool("mock", "echo", null);
    PolicyInput plain = Fixtures.call(agent("x", "bench"), echo, "{\"text\": \"hi\"}");
    assertThat(index.candidates(new RuleIndex.Request(plain)).toArray()).containsExactly(rules.size() - 1);
    assertThat(p.decide(plain).decision().ruleIds()).containsExactly("allow");
    // a matching prefix selects exactly its rule, decided without CEL (the guard is the whole condition)
    PolicyInput secret = Fixtures.call(agent("x", "bench"), echo, "{\"path\": \"/secret/17/key\", \"mode\": \"rm\"}");
    RuleIndex.Request request = new RuleIndex.Request(secret);
    int[] candidates = index.candidates(request).toArray();
    assertThat(candidates).hasSize(3);
    assertThat(java.util.Arrays.stream(candidates).mapToObj(i -> index.rule(i).id())).containsExactly("ask-17", "eq", "allow");
    assertThat(java.util.Arrays.stream(candidates).mapToObj(i -> index.rule(i).guard().verdict(request)))
        .containsOnly(Conjunct.Truth.TRUE);
    assertThat(p.decide(secret).decision().ruleIds()).containsExactly("eq");
    // a path that is not a string: every rule keyed by it is a candidate and CEL decides (an error: fail closed)
    PolicyInput odd = Fixtures.call(agent("x", "bench"), echo, "{\"path\": 17}");
    assertThat(index.candidates(new RuleIndex.Request(odd)).toArray()).hasSize(301);
    assertThat(p.decide(odd)).isEqualTo(p.decideWithoutIndex(odd));
    assertThat(p.decide(odd).decision()).isInstanceOf(dev.bastion.pipeline.Decision.Ask.class);
    assertThat(p.decide(odd).notes()).hasSize(300);
    // a role bucket: only the rule of the role the agent has
    PolicyInput banned = Fixtures.call(agent("x", "bench", "banned-5"), echo, "{\"force\": true}");
    assertThat(java.util.Arrays.stream(index.candidates(new RuleIndex.Request(banned)).toArray()).mapToObj(i -> index.rule(i).id()))
        .containsExactly("role-5", "present", "allow");
    assertThat(p.decide(banned).decision().ruleIds()).containsExactly("role-5", "present");
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
