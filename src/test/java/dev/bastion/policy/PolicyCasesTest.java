package dev.bastion.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.PolicyConfig;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs the policy test cases under {@code src/test/resources/policy-cases/}: each YAML file holds a
 * {@code policy} (default + rules, as in the config file) and {@code cases}, each an input (agent,
 * user, method, tool or resource, args, session, time) and the expected decision, rule ids and,
 * optionally, the discovery exposure and shadow notes. See docs/policy.md.
 */
class PolicyCasesTest {

  record Case(String file, String name, CompiledPolicy policy, Map<String, Object> spec) {
    @Override
    public String toString() {
      return file + ": " + name;
    }
  }

  static Stream<Arguments> cases() throws IOException, URISyntaxException {
    Path dir = Path.of(PolicyCasesTest.class.getResource("/policy-cases").toURI());
    List<Arguments> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        Map<String, Object> doc = map(new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file)));
        PolicyCompilation compilation = PolicyCompiler.compile(policyOf(map(doc.get("policy"))));
        assertThat(compilation).as(file + " policy compiles: " + (compilation instanceof PolicyErrors e ? e.describe() : ""))
            .isInstanceOf(CompiledPolicy.class);
        for (Object c : (List<?>) doc.get("cases")) {
          Map<String, Object> spec = map(c);
          all.add(Arguments.of(new Case(file.getFileName().toString(), (String) spec.get("name"), (CompiledPolicy) compilation, spec)));
        }
      }
    }
    assertThat(all).as("policy cases found").isNotEmpty();
    return all.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachCaseGetsItsExpectedDecision(Case c) {
    Map<String, Object> spec = c.spec();
    Map<String, Object> expect = map(spec.get("expect"));
    PolicyInput input = inputOf(spec);

    PolicyEvaluation evaluation = c.policy().decide(input);

    assertThat(CompiledPolicy.kind(evaluation.decision())).as("decision").isEqualTo(expect.get("decision"));
    assertThat(evaluation.decision().ruleIds()).as("rule ids").isEqualTo(expect.get("rules"));
    if (expect.containsKey("shadow")) {
      assertThat(evaluation.shadow()).as("shadow notes").isEqualTo(expect.get("shadow"));
    }
    if (expect.containsKey("exposure")) {
      Exposure expected = Exposure.valueOf(((String) expect.get("exposure")).toUpperCase(Locale.ROOT));
      assertThat(new Visibility(c.policy()).exposure(input.principal(), input.target())).as("exposure").isEqualTo(expected);
    }
  }

  private static PolicyConfig policyOf(Map<String, Object> p) {
    List<PolicyConfig.Rule> rules = new ArrayList<>();
    for (Object r : (List<?>) p.getOrDefault("rules", List.of())) {
      Map<String, Object> rule = map(r);
      rules.add(new PolicyConfig.Rule(
          (String) rule.get("id"),
          PolicyConfig.Effect.valueOf(((String) rule.get("effect")).toUpperCase(Locale.ROOT)),
          (String) rule.get("when"),
          PolicyConfig.Mode.valueOf(((String) rule.getOrDefault("mode", "enforce")).toUpperCase(Locale.ROOT)),
          (String) rule.get("description"),
          0));
    }
    return new PolicyConfig(PolicyConfig.Effect.valueOf(((String) p.get("default")).toUpperCase(Locale.ROOT)), rules);
  }

  @SuppressWarnings("unchecked")
  private static PolicyInput inputOf(Map<String, Object> spec) {
    Map<String, Object> agent = map(spec.get("agent"));
    Principal principal = new Principal(
        (String) agent.get("id"),
        (List<String>) agent.getOrDefault("roles", List.of()),
        (String) spec.get("user"),
        "api_key",
        map(agent.getOrDefault("claims", Map.of())));
    String method = (String) spec.getOrDefault("method", "tools/call");
    Target target = Target.GATEWAY;
    ObjectNode params = Fixtures.json("{}");
    if (spec.get("tool") != null) {
      Map<String, Object> tool = map(spec.get("tool"));
      String server = (String) tool.get("server");
      String name = (String) tool.get("name");
      ObjectNode definition = Fixtures.JSON.valueToTree(tool);
      definition.remove("server");
      target = new Target(Target.Kind.TOOL, server, server + "__" + name, name, definition);
      params.put("name", target.exposedName());
    }
    if (spec.get("resource") != null) {
      Map<String, Object> resource = map(spec.get("resource"));
      String uri = (String) resource.get("uri");
      target = new Target(Target.Kind.RESOURCE, (String) resource.get("server"), uri, uri, Fixtures.JSON.valueToTree(resource));
      params.put("uri", uri);
    }
    if (spec.get("args") != null) {
      params.set("arguments", Fixtures.JSON.valueToTree(spec.get("args")));
    }
    SessionFacts session = SessionFacts.NONE;
    if (spec.get("session") != null) {
      Map<String, Object> s = map(spec.get("session"));
      session = new SessionFacts((String) s.getOrDefault("id", ""), ((Number) s.getOrDefault("call_count", 0)).longValue(),
          (List<String>) s.getOrDefault("labels", List.of()));
    }
    Instant time = Instant.parse((String) spec.getOrDefault("time", "2026-11-22T12:00:00Z"));
    return new PolicyInput(principal, method, target, params, session, time, (String) spec.getOrDefault("client_address", "127.0.0.1"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o == null ? Map.of() : (Map<String, Object>) o;
  }
}
