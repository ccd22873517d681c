package dev.bastion.policy;

import static dev.bastion.policy.Fixtures.policy;
import static dev.bastion.policy.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.PolicyConfig;
import dev.bastion.config.PolicyConfig.Effect;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PolicyCompilerTest {

  private static PolicyErrors errorsOf(PolicyConfig config) {
    PolicyCompilation result = PolicyCompiler.compile(config);
    assertThat(result).isInstanceOf(PolicyErrors.class);
    return (PolicyErrors) result;
  }

  @Test
  void aValidPolicyCompilesWithEveryRuleInOrder() {
    PolicyCompilation result = PolicyCompiler.compile(policy(Effect.DENY,
        rule("read", Effect.ALLOW, "'support' in agent.roles && tool.name == 'read_ticket'"),
        rule("night", Effect.DENY, "request.time.getHours('UTC') >= 22"),
        rule("everything", Effect.ASK, null)));

    assertThat(result).isInstanceOfSatisfying(CompiledPolicy.class, p -> {
      assertThat(p.ruleIds()).containsExactly("read", "night", "everything");
      assertThat(p.defaultEffect()).isEqualTo(Effect.DENY);
    });
  }

  @Test
  void everyBrokenRuleIsReportedWithItsLocationNotJustTheFirst() {
    PolicyErrors errors = errorsOf(policy(Effect.DENY,
        new PolicyConfig.Rule("syntax", Effect.ALLOW, "agent.id == ", PolicyConfig.Mode.ENFORCE, null, 10),
        rule("fine", Effect.ALLOW, "method == 'tools/call'"),
        new PolicyConfig.Rule("undeclared", Effect.DENY, "agent.id == 'x' &&\n  secrets.leaked", PolicyConfig.Mode.ENFORCE, null, 14),
        rule("unknown-function", Effect.DENY, "frobnicate(tool.name)")));

    assertThat(errors.errors()).extracting(PolicyError::ruleId).containsExactly("syntax", "undeclared", "unknown-function");
    PolicyError syntax = errors.errors().get(0);
    assertThat(syntax.ruleLine()).isEqualTo(10);
    assertThat(syntax.line()).isEqualTo(1);
    assertThat(syntax.column()).isEqualTo(13);
    PolicyError undeclared = errors.errors().get(1);
    assertThat(undeclared.line()).isEqualTo(2);
    assertThat(undeclared.column()).isEqualTo(3);
    assertThat(undeclared.message()).contains("secrets");
    assertThat(undeclared.describe()).startsWith("rule 'undeclared' (config line 14), when 2:3: ");
    assertThat(errors.errors().get(2).message()).contains("frobnicate");
  }

  @Test
  void aConditionThatIsNotABoolIsATypeError() {
    PolicyErrors errors = errorsOf(policy(Effect.DENY,
        rule("string", Effect.ALLOW, "tool.name + 'x'"),
        rule("int", Effect.ALLOW, "1 + 2"),
        rule("dyn", Effect.ALLOW, "args.confirmed")));

    assertThat(errors.errors()).hasSize(3);
    assertThat(errors.errors().get(0).message()).contains("type string but must be a bool");
    assertThat(errors.errors().get(1).message()).contains("type int but must be a bool");
    assertThat(errors.errors().get(2).message()).contains("type dyn but must be a bool").contains("args.flag == true");
  }

  @Test
  void ruleIdsMustBeValidUniqueAndNotTheReservedDefault() {
    PolicyErrors errors = errorsOf(policy(Effect.DENY,
        rule("a", Effect.ALLOW, "true"),
        rule("a", Effect.DENY, "true"),
        rule("", Effect.DENY, "true"),
        rule("default", Effect.DENY, "true"),
        rule("no-effect", null, "true")));

    assertThat(errors.errors()).extracting(PolicyError::message).satisfiesExactly(
        m -> assertThat(m).contains("duplicate rule id"),
        m -> assertThat(m).contains("invalid id"),
        m -> assertThat(m).contains("reserved"),
        m -> assertThat(m).contains("no effect"));
  }

  @Test
  void aPolicyWithoutADefaultIsRejected() {
    PolicyErrors errors = errorsOf(new PolicyConfig(null, List.of()));

    assertThat(errors.describe()).contains("no default effect");
  }

  @Test
  void anOverlongConditionIsRejectedWithoutBeingParsed() {
    String huge = "true || ".repeat(PolicyCompiler.MAX_EXPRESSION_LENGTH / 8 + 1) + "true";

    assertThat(errorsOf(policy(Effect.DENY, rule("huge", Effect.ALLOW, huge))).describe()).contains("characters long");
  }

  @Test
  void randomlyMutatedConditionsAlwaysYieldAResultAndNeverThrow() {
    List<String> seeds = List.of(
        "'support' in agent.roles && tool.name == 'read_ticket'",
        "args.to.endsWith('@example.com') || !(request.time.getHours() >= 22)",
        "tool.annotations.destructiveHint == true && size(args) > 2",
        "args.items.all(i, i.qty < 10) && session.call_count < 100",
        "has(args.path) && args.path.matches('^/tmp/[a-z]+$')",
        "[1, 2, 3].exists(x, x == args.n) ? true : false",
        "{'a': 1}['a'] == 1 && timestamp('2026-01-01T00:00:00Z') < request.time");
    String alphabet = "()[]{}.,:?!&|=<>+-*/%'\"\\ _abcxyz019\n\t$@#~`^in&&||==has.all(";
    Random random = new Random(20261122L);
    int compiled = 0;
    int rejected = 0;
    for (int i = 0; i < 3000; i++) {
      StringBuilder s = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
      int mutations = 1 + random.nextInt(6);
      for (int m = 0; m < mutations; m++) {
        int pos = s.isEmpty() ? 0 : random.nextInt(s.length());
        switch (random.nextInt(4)) {
          case 0 -> s.insert(pos, alphabet.charAt(random.nextInt(alphabet.length())));
          case 1 -> {
            if (!s.isEmpty()) {
              s.deleteCharAt(pos);
            }
          }
          case 2 -> {
            if (!s.isEmpty()) {
              s.setCharAt(pos, alphabet.charAt(random.nextInt(alphabet.length())));
            }
          }
          default -> s.insert(pos, s.substring(0, Math.min(s.length(), random.nextInt(12))));
        }
      }
      List<PolicyConfig.Rule> rules = new ArrayList<>();
      rules.add(rule("fuzz", Effect.ALLOW, s.toString()));
      PolicyCompilation result = PolicyCompiler.compile(new PolicyConfig(Effect.DENY, rules));
      switch (result) {
        case CompiledPolicy p -> {
          compiled++;
          // and evaluating what compiled never throws either
          assertThat(p.decide(Fixtures.call(Fixtures.agent("a"), Fixtures.tool("s", "t", null), "{}")).decision()).isNotNull();
        }
        case PolicyErrors e -> {
          rejected++;
          assertThat(e.errors()).allSatisfy(err -> assertThat(err.message()).isNotBlank());
        }
      }
    }
    assertThat(compiled).isPositive();
    assertThat(rejected).isPositive();
  }

  @Test
  void conditionsCheckedTogetherStayOneRuleEachAndErrorsAreStillReportedPerRule() {
    // a trailing comment and text that would close the batch's parentheses: each condition is its own rule
    CompiledPolicy p = Fixtures.compiled(Effect.DENY,
        Fixtures.rule("commented", Effect.ALLOW, "tool.name == 'read' // read only"),
        Fixtures.rule("second", Effect.DENY, "args.to.endsWith('@evil.test')"));
    PolicyInput read = Fixtures.call(Fixtures.agent("a"), Fixtures.tool("t", "read", null), "{}");
    assertThat(p.decideWithoutIndex(read).decision().ruleIds()).containsExactly("second"); // missing to: fails closed
    assertThat(p.decide(read)).isEqualTo(p.decideWithoutIndex(read));
    PolicyCompilation broken = PolicyCompiler.compile(Fixtures.policy(Effect.DENY,
        Fixtures.rule("a", Effect.ALLOW, "true), (false"),
        Fixtures.rule("b", Effect.ALLOW, "args.n + 1"),
        Fixtures.rule("c", Effect.ALLOW, "tool.name == 'x'")));
    assertThat(broken).isInstanceOf(PolicyErrors.class);
    assertThat(((PolicyErrors) broken).errors()).extracting(PolicyError::ruleId).contains("a", "b").doesNotContain("c");
  }
}
