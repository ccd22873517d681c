package dev.bastion.attacksim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Reads the scenario files bundled under {@code attacksim/scenarios/} (listed in
 * {@code attacksim/scenarios.index}). A file holds one category's scenarios as a YAML list; see
 * docs/attack-sim.md for the format. A malformed file fails loudly with its name and the field.
 */
public final class ScenarioLoader {
  private static final String BASE = "attacksim/";

  private ScenarioLoader() {}

  public static List<Scenario> bundled() {
    List<Scenario> out = new ArrayList<>();
    for (String file : read(BASE + "scenarios.index").lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
      out.addAll(parse(read(BASE + "scenarios/" + file), file));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  public static List<Scenario> parse(String yaml, String source) {
    LoadSettings settings = LoadSettings.builder().setAllowDuplicateKeys(false).setMaxAliasesForCollections(10).build();
    Object root = new Load(settings).loadFromString(yaml);
    if (!(root instanceof List<?> list)) {
      throw new IllegalArgumentException(source + ": expected a list of scenarios");
    }
    List<Scenario> out = new ArrayList<>();
    for (Object item : list) {
      Map<String, Object> m = map(item, source + ": scenario");
      String id = text(m, "id", source);
      String where = source + " " + id;
      List<Scenario.Tool> tools = new ArrayList<>();
      for (Object t : list(m.get("tools"))) {
        Map<String, Object> tm = map(t, where + ": tool");
        tools.add(new Scenario.Tool(text(tm, "server", where), text(tm, "name", where), (String) tm.getOrDefault("description", ""),
            (Map<String, Object>) tm.getOrDefault("annotations", Map.of()), (Map<String, Object>) tm.get("inputSchema"),
            tm.getOrDefault("returns", ""), Boolean.TRUE.equals(tm.get("isError")), (Map<String, Object>) tm.getOrDefault("behaviour", Map.of())));
      }
      out.add(new Scenario(id, text(m, "category", where), (String) m.getOrDefault("title", ""), text(m, "defence", where), tools,
          (Map<String, Object>) m.getOrDefault("labels", Map.of()), (Map<String, Object>) m.getOrDefault("arguments", Map.of()), steps(m.get("attack"), where + " attack"),
          steps(m.get("benign"), where + " benign"), (String) m.get("not_run"), source, agents(m.get("agents"), where), rules(m.get("policy"), where),
          "jwt".equals(m.get("identity")), list(m.get("http_upstreams")).stream().map(Object::toString).toList()));
    }
    return out;
  }

  /** {@code agents: { name: [role, ...] }}; the suite agent's own name is reserved. */
  private static Map<String, List<String>> agents(Object node, String where) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (node == null) {
      return out;
    }
    map(node, where + ": agents").forEach((name, roles) -> {
      if (name.equals(AttackSim.AGENT)) {
        throw new IllegalArgumentException(where + ": agent name " + name + " is reserved for the suite agent");
      }
      out.put(name, list(roles).stream().map(Object::toString).toList());
    });
    return out;
  }

  /** {@code policy: [ {id, effect, when, description} ]}. */
  private static List<Scenario.Rule> rules(Object node, String where) {
    List<Scenario.Rule> out = new ArrayList<>();
    for (Object r : list(node)) {
      Map<String, Object> m = map(r, where + ": policy rule");
      out.add(new Scenario.Rule(text(m, "id", where + " policy rule"), text(m, "effect", where + " policy rule"), text(m, "when", where + " policy rule"),
          (String) m.getOrDefault("description", "")));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Scenario.Http http(Map<String, Object> m, String where) {
    Map<String, String> headers = new LinkedHashMap<>();
    map(m.getOrDefault("headers", Map.of()), where + ": headers").forEach((k, v) -> headers.put(k, String.valueOf(v)));
    Map<String, String> capture = new LinkedHashMap<>();
    map(m.getOrDefault("capture", Map.of()), where + ": capture").forEach((k, v) -> capture.put(k, String.valueOf(v)));
    Object status = m.get("status");
    List<Integer> statuses = status == null ? List.of() : status instanceof List<?> l ? l.stream().map(x -> ((Number) x).intValue()).toList()
        : List.of(((Number) status).intValue());
    return new Scenario.Http((String) m.getOrDefault("method", "POST"), (String) m.getOrDefault("path", "/mcp"), headers,
        (String) m.getOrDefault("auth", "agent"), map(m.getOrDefault("claims", Map.of()), where + ": claims"), (String) m.get("body"),
        (String) m.get("body_base64"), statuses, m.get("error_code") == null ? null : ((Number) m.get("error_code")).intValue(), (String) m.get("reaches"),
        capture);
  }

  @SuppressWarnings("unchecked")
  private static List<Scenario.Step> steps(Object node, String where) {
    List<Scenario.Step> out = new ArrayList<>();
    for (Object s : list(node)) {
      Map<String, Object> m = map(s, where + ": step");
      String expect = (String) m.getOrDefault("expect", "allowed");
      Scenario.Chunks chunks = null;
      if (m.get("chunks") instanceof Map<?, ?> c) {
        chunks = new Scenario.Chunks((String) c.get("arg"), (String) c.get("text"), ((Number) c.get("size")).intValue());
      }
      Object reasons = m.get("reason");
      List<String> reasonList = reasons == null ? List.of() : reasons instanceof List<?> l ? (List<String>) l : List.of(reasons.toString());
      Scenario.Http http = m.get("http") instanceof Map<?, ?> h ? http((Map<String, Object>) h, where + " http") : null;
      Scenario.Await await = null;
      if (m.get("await") instanceof Map<?, ?> a) {
        await = new Scenario.Await((String) a.get("listed"), (String) a.get("unlisted"));
      }
      String call = http != null ? http.method() + " " + http.path() : await != null ? "await" : text(m, "call", where);
      out.add(new Scenario.Step(call, new LinkedHashMap<>((Map<String, Object>) m.getOrDefault("args", Map.of())),
          switch (expect) {
            case "allowed" -> Scenario.Expect.ALLOWED;
            case "blocked" -> Scenario.Expect.BLOCKED;
            case "refused" -> Scenario.Expect.REFUSED;
            default -> throw new IllegalArgumentException(where + ": expect must be allowed, blocked or refused, got " + expect);
          },
          chunks, reasonList, (String) m.get("response_lacks"), Boolean.TRUE.equals(m.get("new_session")), (String) m.get("as"), http, await,
          (String) m.get("response_contains"), m.get("response_max_chars") instanceof Number n ? n.intValue() : 0,
          Boolean.TRUE.equals(m.get("server_requests_refused"))));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(where + ": needs at least one step");
    }
    return out;
  }

  private static List<?> list(Object node) {
    return node instanceof List<?> l ? l : List.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node, String where) {
    if (node instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw new IllegalArgumentException(where + " must be a mapping");
  }

  private static String text(Map<String, Object> m, String key, String where) {
    Object v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException(where + ": missing " + key);
    }
    return v.toString();
  }

  private static String read(String name) {
    try (InputStream in = ScenarioLoader.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("classpath resource " + name + " is missing from the build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
