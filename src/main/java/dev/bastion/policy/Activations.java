package dev.bastion.policy;

import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import dev.cel.runtime.CelVariableResolver;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The CEL variables of one {@link PolicyInput}, built lazily: a top-level variable is converted the
 * first time a rule reads it and then kept for the rest of the decision, so a decision whose rules
 * never look at {@code args}, {@code session} or {@code response} never converts them. Every
 * declared variable is always present. One instance serves one decision on one thread.
 */
final class Activations implements CelVariableResolver {
  /** MCP's defaults for tool annotation hints that a server left out. */
  private static final Map<String, Object> HINT_DEFAULTS =
      Map.of("readOnlyHint", false, "destructiveHint", true, "idempotentHint", false, "openWorldHint", true);

  /** MCP's default for a standard hint the server left out, or null for any other annotation. */
  static Boolean hintDefault(String hint) {
    return (Boolean) HINT_DEFAULTS.get(hint);
  }

  private static final List<String> NAMES = List.of(
      PolicyVariables.AGENT, PolicyVariables.USER, PolicyVariables.TOOL, PolicyVariables.PROMPT, PolicyVariables.RESOURCE,
      PolicyVariables.ARGS, PolicyVariables.METHOD, PolicyVariables.SESSION, PolicyVariables.REQUEST, PolicyVariables.RESPONSE);

  private final PolicyInput in;
  private Object agent;
  private Object user;
  private Object tool;
  private Object prompt;
  private Object resource;
  private Object args;
  private Object session;
  private Object request;
  private Object response;

  Activations(PolicyInput in) {
    this.in = in;
  }

  /** Every variable, resolved (for partial evaluation and {@code explain}). */
  static Map<String, Object> of(PolicyInput in) {
    Activations lazy = new Activations(in);
    Map<String, Object> vars = new LinkedHashMap<>();
    for (String name : NAMES) {
      vars.put(name, materialize(lazy.value(name)));
    }
    return vars;
  }

  private static Object materialize(Object value) {
    return value instanceof LazyMap m ? new LinkedHashMap<>(m) : value;
  }

  @Override
  public Optional<Object> find(String name) {
    return Optional.ofNullable(value(name));
  }

  private Object value(String name) {
    return switch (name) {
      case PolicyVariables.AGENT -> agent != null ? agent : (agent = agent());
      case PolicyVariables.USER -> user != null ? user : (user = Map.of("id", in.principal().userId() == null ? "" : in.principal().userId()));
      case PolicyVariables.TOOL -> tool != null ? tool : (tool = in.target().kind() == Target.Kind.TOOL ? tool(in.target()) : EMPTY_TOOL);
      case PolicyVariables.PROMPT -> prompt != null ? prompt : (prompt = prompt(in.target()));
      case PolicyVariables.RESOURCE -> resource != null ? resource : (resource = Map.of(
          "server", in.target().kind() == Target.Kind.RESOURCE ? in.target().server() : "",
          "uri", resourceUri(in, in.target(), in.target().definition())));
      case PolicyVariables.ARGS -> args != null ? args : (args = CelValues.objectFromJson(in.params().get("arguments")));
      case PolicyVariables.METHOD -> in.method();
      case PolicyVariables.SESSION -> session != null ? session : (session = Map.of(
          "id", in.session().id(), "call_count", in.session().callCount(), "labels", in.session().labels()));
      case PolicyVariables.REQUEST -> request != null ? request : (request = new LazyMap(
          "time", in.time(), "client_address", in.clientAddress(),
          "findings", (Supplier<Object>) () -> findings(in.requestFindings())));
      case PolicyVariables.RESPONSE -> response != null ? response : (response = Map.of("findings", findings(in.responseFindings())));
      default -> null;
    };
  }

  private Object agent() {
    Principal p = in.principal();
    return new LazyMap(
        "id", p.agentId(),
        "roles", p.roles(),
        "claims", (Supplier<Object>) () -> CelValues.fromJava(p.claims()),
        "auth_method", p.authMethod() == null ? "" : p.authMethod());
  }

  private static Map<String, Object> prompt(Target t) {
    return t.kind() == Target.Kind.PROMPT ? Map.of("server", t.server(), "name", t.upstreamName()) : EMPTY_PROMPT;
  }

  private static final Map<String, Object> EMPTY_PROMPT = Map.of("server", "", "name", "");

  /** Each finding as {category, detector, action, direction, location}. */
  private static List<Object> findings(List<dev.bastion.pipeline.Finding> findings) {
    return findings.stream()
        .<Object>map(f -> Map.of(
            "category", f.category(), "detector", f.detector(), "action", f.action(), "direction", f.direction(), "location", f.location()))
        .toList();
  }

  private static Object tool(Target t) {
    ObjectNode definition = t.definition();
    return new LazyMap(
        "server", t.server(),
        "name", t.upstreamName(),
        "exposed_name", t.exposedName(),
        "title", definition == null ? "" : text(definition.get("title")),
        "annotations", (Supplier<Object>) () -> annotations(definition),
        "description_hash", (Supplier<Object>) () -> {
          String description = definition == null ? "" : text(definition.get("description"));
          return description.isEmpty() ? "" : sha256(description);
        });
  }

  private static Map<String, Object> annotations(ObjectNode definition) {
    Map<String, Object> annotations = new LinkedHashMap<>(HINT_DEFAULTS);
    if (definition != null) {
      annotations.putAll(CelValues.objectFromJson(definition.get("annotations")));
    }
    return annotations;
  }

  private static final Map<String, Object> EMPTY_TOOL =
      Map.of("server", "", "name", "", "exposed_name", "", "title", "", "annotations", Map.of(), "description_hash", "");

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
