package dev.bastion.policy;

import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Builds the CEL variables from a {@link PolicyInput}. Every declared key is always present. */
final class Activations {
  private Activations() {}

  /** MCP's defaults for tool annotation hints that a server left out. */
  private static final Map<String, Object> HINT_DEFAULTS =
      Map.of("readOnlyHint", false, "destructiveHint", true, "idempotentHint", false, "openWorldHint", true);

  static Map<String, Object> of(PolicyInput in) {
    Map<String, Object> vars = new LinkedHashMap<>();
    Principal p = in.principal();
    vars.put(PolicyVariables.AGENT, Map.of(
        "id", p.agentId(),
        "roles", List.copyOf(p.roles()),
        "claims", CelValues.fromJava(p.claims()),
        "auth_method", p.authMethod() == null ? "" : p.authMethod()));
    vars.put(PolicyVariables.USER, Map.of("id", p.userId() == null ? "" : p.userId()));
    Target t = in.target();
    ObjectNode definition = t.definition();
    vars.put(PolicyVariables.TOOL, t.kind() == Target.Kind.TOOL ? tool(t, definition) : emptyTool());
    vars.put(PolicyVariables.PROMPT, Map.of(
        "server", t.kind() == Target.Kind.PROMPT ? t.server() : "",
        "name", t.kind() == Target.Kind.PROMPT ? t.upstreamName() : ""));
    vars.put(PolicyVariables.RESOURCE, Map.of(
        "server", t.kind() == Target.Kind.RESOURCE ? t.server() : "",
        "uri", resourceUri(in, t, definition)));
    vars.put(PolicyVariables.ARGS, CelValues.objectFromJson(in.params().get("arguments")));
    vars.put(PolicyVariables.METHOD, in.method());
    SessionFacts s = in.session();
    vars.put(PolicyVariables.SESSION, Map.of("id", s.id(), "call_count", s.callCount(), "labels", s.labels()));
    vars.put(PolicyVariables.REQUEST, Map.of("time", in.time(), "client_address", in.clientAddress(), "findings", findings(in.requestFindings())));
    vars.put(PolicyVariables.RESPONSE, Map.of("findings", findings(in.responseFindings())));
    return vars;
  }

  /** Each finding as {category, detector, action, direction, location}. */
  private static List<Object> findings(List<dev.bastion.pipeline.Finding> findings) {
    return findings.stream()
        .<Object>map(f -> Map.of(
            "category", f.category(), "detector", f.detector(), "action", f.action(), "direction", f.direction(), "location", f.location()))
        .toList();
  }

  private static Map<String, Object> tool(Target t, ObjectNode definition) {
    Map<String, Object> annotations = new LinkedHashMap<>(HINT_DEFAULTS);
    String description = "";
    String title = "";
    if (definition != null) {
      annotations.putAll(CelValues.objectFromJson(definition.get("annotations")));
      description = text(definition.get("description"));
      title = text(definition.get("title"));
    }
    return Map.of(
        "server", t.server(),
        "name", t.upstreamName(),
        "exposed_name", t.exposedName(),
        "title", title,
        "annotations", annotations,
        "description_hash", description.isEmpty() ? "" : sha256(description));
  }

  private static Map<String, Object> emptyTool() {
    return Map.of("server", "", "name", "", "exposed_name", "", "title", "", "annotations", Map.of(), "description_hash", "");
  }

  private static String resourceUri(PolicyInput in, Target t, ObjectNode definition) {
    String fromParams = text(in.params().get("uri"));
    if (!fromParams.isEmpty()) {
      return fromParams;
    }
    if (t.kind() == Target.Kind.RESOURCE && definition != null) {
      return text(definition.get("uri"));
    }
    return "";
  }

  private static String text(JsonNode node) {
    return node != null && node.isString() ? node.asString() : "";
  }

  /** {@code sha256:<hex>} of the text's UTF-8 bytes. */
  static String sha256(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
