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
            tm.getOrDefault("returns", ""), Boolean.TRUE.equals(tm.get("isError"))));
      }
      out.add(new Scenario(id, text(m, "category", where), (String) m.getOrDefault("title", ""), text(m, "defence", where), tools,
          (Map<String, Object>) m.getOrDefault("labels", Map.of()), (Map<String, Object>) m.getOrDefault("arguments", Map.of()), steps(m.get("attack"), where + " attack"),
          steps(m.get("benign"), where + " benign"), (String) m.get("not_run"), source));
    }
    return out;
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
      out.add(new Scenario.Step(text(m, "call", where), new LinkedHashMap<>((Map<String, Object>) m.getOrDefault("args", Map.of())),
          switch (expect) {
            case "allowed" -> Scenario.Expect.ALLOWED;
            case "blocked" -> Scenario.Expect.BLOCKED;
            default -> throw new IllegalArgumentException(where + ": expect must be allowed or blocked, got " + expect);
          },
          chunks, reasonList, (String) m.get("response_lacks"), Boolean.TRUE.equals(m.get("new_session"))));
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
