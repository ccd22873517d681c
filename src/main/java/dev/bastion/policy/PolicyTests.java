package dev.bastion.policy;

import dev.bastion.config.AgentConfig;
import dev.bastion.config.BastionConfig;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Policy test files ({@code bastion policy test}): YAML data naming a config and a list of cases,
 * each a request (agent, user, method, tool, args, session labels …) and the expected effect and,
 * optionally, rule ids. See docs/policy.md for the format. Cases are decided by the real compiled
 * policy; the result is a readable list of differences.
 */
public final class PolicyTests {
  private PolicyTests() {}

  private static final JsonMapper JSON = JsonMapper.builder().build();
  static final Instant DEFAULT_TIME = Instant.parse("2026-01-15T12:00:00Z");

  /** One case's outcome; {@code diff} is empty when it passed. */
  public record Result(String name, String diff) {
    public boolean passed() {
      return diff.isEmpty();
    }
  }

  /** The parsed file: where its config is and its cases (as plain YAML data). */
  public record Suite(Path config, List<Map<String, Object>> cases) {}

  /** Reads a test file; throws {@link IllegalArgumentException} with a precise message when it is malformed. */
  @SuppressWarnings("unchecked")
  public static Suite read(Path file) throws IOException {
    Object doc = new Load(LoadSettings.builder().setAllowDuplicateKeys(false).setMaxAliasesForCollections(0).setCodePointLimit(4 * 1024 * 1024).build())
        .loadFromString(Files.readString(file));
    if (!(doc instanceof Map<?, ?> root) || !(root.get("config") instanceof String config) || !(root.get("cases") instanceof List<?> cases)) {
      throw new IllegalArgumentException(file + ": expected a mapping with config (the config file, relative to this file) and cases (a list)");
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      if (!(cases.get(i) instanceof Map<?, ?> c) || !(c.get("expect") instanceof String)) {
        throw new IllegalArgumentException(file + ": cases[" + i + "] must be a mapping with at least expect (allow, deny or ask)");
      }
      out.add((Map<String, Object>) c);
    }
    Path base = file.toAbsolutePath().getParent();
    return new Suite(base.resolve(config).normalize(), out);
  }

  /** Runs every case against a compiled policy and the config's agents. */
  public static List<Result> run(BastionConfig config, CompiledPolicy policy, List<Map<String, Object>> cases) {
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      Map<String, Object> c = cases.get(i);
      String name = c.get("name") instanceof String s ? s : "case " + (i + 1);
      try {
        results.add(new Result(name, check(policy, input(config, c), c)));
      } catch (IllegalArgumentException e) {
        results.add(new Result(name, "invalid case: " + e.getMessage()));
      }
    }
    return results;
  }

  private static String check(CompiledPolicy policy, PolicyInput input, Map<String, Object> c) {
    PolicyEvaluation eval = policy.decide(input);
    String actualEffect = CompiledPolicy.kind(eval.decision());
    String expectedEffect = c.get("expect").toString();
    List<String> expectedRules = strings(c.get("rules"), "rules");
    StringBuilder diff = new StringBuilder();
    if (!expectedEffect.equals(actualEffect) || (expectedRules != null && !expectedRules.equals(eval.decision().ruleIds()))) {
      diff.append("expected: ").append(expectedEffect).append(expectedRules == null ? "" : " by " + expectedRules).append('\n');
      diff.append("actual:   ").append(actualEffect).append(" by ").append(eval.decision().ruleIds());
    }
    if (c.get("visible") instanceof Boolean visible && input.target().kind() == Target.Kind.TOOL) {
      boolean shown = new Visibility(policy).exposure(input.principal(), input.target()) == Exposure.VISIBLE;
      if (shown != visible) {
        diff.append(diff.isEmpty() ? "" : "\n").append("expected the tool to be ").append(visible ? "listed" : "hidden")
            .append(" in tools/list, but it is ").append(shown ? "listed" : "hidden");
      }
    }
    if (c.get("shadow") instanceof String shadow) {
      boolean found = eval.shadow().stream().anyMatch(n -> n.contains("would " + shadow));
      if (!found) {
        diff.append(diff.isEmpty() ? "" : "\n").append("expected a shadow rule that would ").append(shadow).append("; shadow notes: ").append(eval.shadow());
      }
    }
    return diff.toString();
  }

  /** Builds the request a case describes. */
  static PolicyInput input(BastionConfig config, Map<String, Object> c) {
    String agentId = c.get("agent") instanceof String a ? a : "";
    if (agentId.isEmpty()) {
      throw new IllegalArgumentException("agent is required");
    }
    AgentConfig agent = config.agents().get(agentId);
    List<String> roles = strings(c.get("roles"), "roles");
    if (roles == null) {
      roles = agent == null ? List.of() : agent.roles();
    }
    Map<String, Object> claims = c.get("claims") instanceof Map<?, ?> m ? stringKeys(m) : Map.of();
    String user = c.get("user") instanceof String u ? u : null;
    Principal principal = new Principal(agentId, roles, user, claims.isEmpty() ? "api_key" : "jwt", claims);
    String method = c.get("method") instanceof String m ? m : "tools/call";
    ObjectNode params = JSON.createObjectNode();
    Target target = Target.GATEWAY;
    if (c.get("tool") instanceof String tool) {
      int sep = tool.indexOf("__");
      if (sep <= 0) {
        throw new IllegalArgumentException("tool must be an exposed name server__tool, got " + tool);
      }
      ObjectNode definition = JSON.createObjectNode().put("name", tool.substring(sep + 2));
      if (c.get("annotations") instanceof Map<?, ?> ann) {
        definition.set("annotations", JSON.valueToTree(ann));
      }
      if (c.get("description") instanceof String d) {
        definition.put("description", d);
      }
      target = new Target(Target.Kind.TOOL, tool.substring(0, sep), tool, tool.substring(sep + 2), definition);
      params.put("name", tool);
    }
    if (c.get("uri") instanceof String uri) {
      params.put("uri", uri);
      if (target == Target.GATEWAY && c.get("server") instanceof String server) {
        target = new Target(Target.Kind.RESOURCE, server, uri, uri, null);
      }
    }
    if (c.containsKey("args")) {
      params.set("arguments", JSON.valueToTree(c.get("args")));
    }
    Instant time = DEFAULT_TIME;
    if (c.get("time") != null) {
      try {
        time = Instant.parse(c.get("time").toString());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("time must be an ISO-8601 instant like 2026-01-15T23:30:00Z, got " + c.get("time"));
      }
    }
    SessionFacts session = SessionFacts.NONE;
    if (c.get("session") instanceof Map<?, ?> s) {
      List<String> labels = strings(s.get("labels"), "session.labels");
      long calls = s.get("call_count") instanceof Number n ? n.longValue() : 0;
      session = new SessionFacts(Objects.toString(s.get("id"), "test-session"), calls, labels == null ? List.of() : labels);
    }
    String address = c.get("client_address") instanceof String ca ? ca : "127.0.0.1";
    return new PolicyInput(principal, method, target, params, session, time, address);
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  private static List<String> strings(Object value, String what) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof List<?> list)) {
      throw new IllegalArgumentException(what + " must be a list of strings");
    }
    return list.stream().map(String::valueOf).toList();
  }
}
