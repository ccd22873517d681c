package dev.bastion.flow;

import dev.bastion.config.FlowConfig;
import dev.bastion.config.FlowConfig.Integrity;
import dev.bastion.config.FlowConfig.LabelSpec;
import dev.bastion.config.FlowConfig.Sink;
import dev.bastion.pipeline.Target;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Works out the {@link FlowLabel} of a routed target: the configured labels of its tool or resource
 * over those of its server, over defaults derived from the tool's MCP annotations.
 *
 * <p>Defaults (MCP's own hint defaults apply when a hint is absent: not read-only, open world):
 * <ul>
 *   <li>{@code openWorldHint: true} — output {@code untrusted} and {@code public}, sink
 *       {@code external} unless read-only (a read-only open-world tool such as a fetcher still sends
 *       its arguments out, so its sink is {@code external} too);
 *   <li>closed world — output {@code trusted} and {@code internal}; sink {@code none} when
 *       read-only, else {@code internal};
 *   <li>resources and prompts — {@code internal}, {@code trusted}, sink {@code none}.
 * </ul>
 */
public final class LabelResolver {
  /** Argument names treated as key arguments when none are configured. */
  public static final List<String> DEFAULT_KEY_ARGUMENTS = List.of(
      "to", "cc", "bcc", "recipient", "recipients", "email", "account", "iban", "payee", "destination", "url", "host",
      "webhook", "repo", "repository", "channel", "phone");

  private final FlowConfig config;

  public LabelResolver(FlowConfig config) {
    this.config = config;
  }

  public FlowLabel resolve(Target target, ObjectNode params) {
    FlowConfig.ServerLabels server = config.servers().get(target.server());
    LabelSpec defaults = defaults(target);
    LabelSpec spec = defaults;
    boolean keysConfigured = false;
    if (server != null) {
      spec = server.server().over(spec);
      LabelSpec specific = switch (target.kind()) {
        case TOOL -> server.tools().get(target.upstreamName());
        case RESOURCE -> resource(server.resources(), params.path("uri").asString(""));
        default -> null;
      };
      if (specific != null) {
        spec = specific.over(spec);
        keysConfigured = target.kind() == Target.Kind.TOOL && specific.keyArguments() != null;
      }
    }
    // An operator who names a tool's key arguments says their provenance matters, read-only or not
    // (a credentials tool whose scope argument widens what it returns).
    boolean consequential = target.kind() == Target.Kind.TOOL && (!hint(target.definition(), "readOnlyHint", false) || keysConfigured);
    return new FlowLabel(
        spec.confidentiality(), spec.integrity(), spec.sink(),
        spec.keyArguments() == null ? DEFAULT_KEY_ARGUMENTS : spec.keyArguments(), consequential);
  }

  private static LabelSpec resource(Map<String, LabelSpec> byPrefix, String uri) {
    LabelSpec best = null;
    int bestLength = -1;
    for (Map.Entry<String, LabelSpec> e : byPrefix.entrySet()) {
      if (uri.startsWith(e.getKey()) && e.getKey().length() > bestLength) {
        best = e.getValue();
        bestLength = e.getKey().length();
      }
    }
    return best;
  }

  static LabelSpec defaults(Target target) {
    if (target.kind() != Target.Kind.TOOL) {
      return new LabelSpec(FlowLabel.INTERNAL, Integrity.TRUSTED, Sink.NONE, null);
    }
    boolean openWorld = hint(target.definition(), "openWorldHint", true);
    boolean readOnly = hint(target.definition(), "readOnlyHint", false);
    if (openWorld) {
      return new LabelSpec(FlowLabel.PUBLIC, Integrity.UNTRUSTED, Sink.EXTERNAL, null);
    }
    return new LabelSpec(FlowLabel.INTERNAL, Integrity.TRUSTED, readOnly ? Sink.NONE : Sink.INTERNAL, null);
  }

  /**
   * Whether the tool declares itself destructive ({@code destructiveHint: true}, not read-only):
   * then every argument says what the action destroys, so every argument is a key argument. MCP's
   * default for an absent hint (true) is not taken here: only an explicit declaration counts.
   */
  public static boolean destructive(Target target) {
    if (target.kind() != Target.Kind.TOOL || target.definition() == null || hint(target.definition(), "readOnlyHint", false)) {
      return false;
    }
    JsonNode v = target.definition().path("annotations").get("destructiveHint");
    return v != null && v.isBoolean() && v.asBoolean();
  }

  private static boolean hint(ObjectNode definition, String name, boolean fallback) {
    if (definition == null) {
      return fallback;
    }
    JsonNode v = definition.path("annotations").get(name);
    return v != null && v.isBoolean() ? v.asBoolean() : fallback;
  }
}
