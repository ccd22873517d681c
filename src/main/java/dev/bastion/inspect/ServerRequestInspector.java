package dev.bastion.inspect;

import dev.bastion.config.FirewallConfig;
import dev.bastion.pipeline.Finding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Inspection of what an upstream asks of the agent's side (direction {@code server_request}):
 * legacy-era server-to-client requests ({@code elicitation/create}, {@code sampling/createMessage},
 * {@code roots/list}) and the embedded requests of a 2026-07-28 {@code input_required} result.
 *
 * <ul>
 *   <li>{@code elicitation/create} in form mode: {@link CredentialRequests} over the message and
 *       requested schema (always block: the specification forbids asking for sensitive information
 *       this way), then the content detectors over every string ({@link Inspector}, the {@code
 *       response} side of the configured actions);
 *   <li>{@code elicitation/create} in URL mode (where asking for credentials is the point, so no
 *       credential-request check): the URL must be https, carry no credentials, name no internal
 *       host or private address ({@link UrlCheck}) and be on {@code firewall.elicitation_url_hosts}
 *       when that is set (look-alikes reported as {@code confusable_host}); category {@value
 *       #URL_CATEGORY}, always block; then the content detectors (a secret in the URL's query is
 *       found there);
 *   <li>{@code sampling/createMessage}: the content detectors over the messages, system prompt and
 *       everything else (prompt injection aimed at the agent's model, secrets, hidden text);
 *   <li>{@code roots/list}, {@code ping}: nothing to inspect.
 * </ul>
 *
 * A server request cannot be partly forwarded, so a finding whose configured action is block or
 * redact blocks the whole request (its finding says {@code block}); record only records.
 * Immutable and thread-safe.
 */
public final class ServerRequestInspector {
  /** Category of the findings about a URL-mode elicitation's URL. */
  public static final String URL_CATEGORY = "elicitation_url";
  private static final java.time.Duration RESOLVE_TIMEOUT = java.time.Duration.ofSeconds(2);
  private final Inspector inspector;
  private final boolean enabled;
  private final UrlCheck urls;

  public ServerRequestInspector(FirewallConfig config) {
    this(config, UrlCheck.SYSTEM);
  }

  /** With the resolver the URL check uses for host names (tests). */
  public ServerRequestInspector(FirewallConfig config, UrlCheck.Resolver resolver) {
    this(new Inspector(config), config, resolver);
  }

  ServerRequestInspector(Inspector inspector, FirewallConfig config, UrlCheck.Resolver resolver) {
    this.inspector = inspector;
    this.enabled = config.enabled();
    this.urls = new UrlCheck(java.util.Set.copyOf(config.elicitationUrlHosts()), resolver, RESOLVE_TIMEOUT);
  }

  /** What inspection concluded about one server request. */
  public record Verdict(List<Finding> findings, boolean blocked) {
    public static final Verdict CLEAN = new Verdict(List.of(), false);

    public Verdict {
      findings = List.copyOf(findings);
    }

    /** The blocking findings as {@code detector at location}, for messages. */
    public String describe() {
      return String.join(", ", findings.stream().filter(f -> f.action().equals("block"))
          .map(f -> f.detector() + " at " + f.location()).distinct().limit(5).toList());
    }
  }

  /**
   * Inspects a server request.
   *
   * @param params its params (may be null)
   * @param location JSON pointer of {@code params} in the message ({@code /params} for a JSON-RPC
   *     request, {@code /result/inputRequests/<key>/params} inside an input-required result)
   */
  public Verdict inspect(String method, JsonNode params, String location) {
    if (!enabled || params == null) {
      return Verdict.CLEAN;
    }
    List<Finding> findings = new ArrayList<>();
    boolean blocked = false;
    switch (method) {
      case "elicitation/create" -> {
        if ("url".equals(params.path("mode").asString(""))) {
          String problem = urlProblem(params.get("url"));
          if (problem != null) {
            findings.add(new Finding(URL_CATEGORY, problem, Direction.SERVER_REQUEST.id(), "block", location + "/url"));
            blocked = true;
          }
          blocked |= content(params, location, findings);
          break;
        }
        for (CredentialRequests.Match m : CredentialRequests.inElicitation(params, location)) {
          findings.add(new Finding(CredentialRequests.CATEGORY, m.detector(), Direction.SERVER_REQUEST.id(), "block", m.location()));
          blocked = true;
        }
        blocked |= content(params, location, findings);
      }
      case "sampling/createMessage" -> blocked |= content(params, location, findings);
      default -> {}
    }
    return findings.isEmpty() ? Verdict.CLEAN : new Verdict(findings, blocked);
  }

  /**
   * Inspects the embedded requests of a 2026-07-28 result with {@code resultType: input_required}
   * ({@code inputRequests}: key → {@code {method, params}}); a clean verdict for any other result.
   */
  public Verdict inspectResult(JsonNode result, String location) {
    if (!enabled || result == null || !"input_required".equals(result.path("resultType").asString(""))) {
      return Verdict.CLEAN;
    }
    JsonNode requests = result.get("inputRequests");
    if (requests == null || !requests.isObject()) {
      return Verdict.CLEAN;
    }
    List<Finding> findings = new ArrayList<>();
    boolean blocked = false;
    for (Map.Entry<String, JsonNode> e : requests.properties()) {
      JsonNode request = e.getValue();
      String at = location + "/inputRequests/" + e.getKey().replace("~", "~0").replace("/", "~1") + "/params";
      Verdict v = inspect(request.path("method").asString(""), request.get("params"), at);
      findings.addAll(v.findings());
      blocked |= v.blocked();
    }
    return findings.isEmpty() ? Verdict.CLEAN : new Verdict(findings, blocked);
  }

  /**
   * The embedded requests of an {@code input_required} result that ask for a client capability the
   * agent did not declare (a server MUST NOT send those: MCP draft, basic/utilities/mrtr, server
   * requirements), as {@code key (capability)}; also malformed entries and methods that are not
   * input requests. Empty for any other result.
   *
   * @param declared the agent's {@code io.modelcontextprotocol/clientCapabilities} (may be null)
   */
  public static List<String> undeclared(JsonNode result, JsonNode declared) {
    if (result == null || !"input_required".equals(result.path("resultType").asString(""))) {
      return List.of();
    }
    JsonNode requests = result.get("inputRequests");
    if (requests == null) {
      return List.of();
    }
    if (!requests.isObject()) {
      return List.of("inputRequests (not an object)");
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : requests.properties()) {
      String key = e.getKey().length() > 64 ? e.getKey().substring(0, 64) + "…" : e.getKey();
      JsonNode request = e.getValue();
      String missing = request.isObject() ? missingCapability(request.path("method").asString(""), request.get("params"), declared) : "an object";
      if (missing != null) {
        out.add(key + " (" + missing + ")");
      }
    }
    return out;
  }

  /** The client capability an input request needs that {@code declared} lacks, or null. */
  static String missingCapability(String method, JsonNode params, JsonNode declared) {
    JsonNode caps = declared == null || !declared.isObject() ? null : declared;
    return switch (method) {
      case "elicitation/create" -> {
        JsonNode e = caps == null ? null : caps.get("elicitation");
        String mode = params == null ? "form" : params.path("mode").asString("form");
        if (e == null || !e.isObject()) {
          yield "elicitation";
        }
        yield switch (mode) {
          case "form" -> e.isEmpty() || e.get("form") != null && e.get("form").isObject() ? null : "elicitation.form";
          case "url" -> e.get("url") != null && e.get("url").isObject() ? null : "elicitation.url";
          default -> "a known elicitation mode";
        };
      }
      case "sampling/createMessage" -> {
        JsonNode sm = caps == null ? null : caps.get("sampling");
        if (sm == null || !sm.isObject()) {
          yield "sampling";
        }
        if (params != null && (params.has("tools") || params.has("toolChoice")) && !(sm.get("tools") != null && sm.get("tools").isObject())) {
          yield "sampling.tools";
        }
        String context = params == null ? "none" : params.path("includeContext").asString("none");
        yield context.equals("none") || sm.get("context") != null && sm.get("context").isObject() ? null : "sampling.context";
      }
      // the gateway never passes roots on: it answers roots/list itself, with none
      case "roots/list" -> "roots";
      default -> "a known input request method";
    };
  }

  /**
   * Inspects what the agent answered to a relayed server request (what a user typed into an
   * elicitation form goes to the server): the request-direction detectors with their configured
   * actions, so a typed secret is redacted or blocked as in a tool call's arguments. Null when the
   * firewall is off.
   */
  public Inspector.Inspection inspectAnswer(JsonNode result, String location) {
    return enabled && result != null ? inspector.inspect(result, Direction.REQUEST, location) : null;
  }

  /** Why a URL-mode elicitation's URL is refused (a detector id), or null when it may go to the agent. */
  private String urlProblem(JsonNode url) {
    if (url == null || !url.isString() || url.asString().isBlank()) {
      return "url_invalid";
    }
    String value = url.asString().strip();
    java.net.URI uri;
    try {
      uri = new java.net.URI(value);
    } catch (java.net.URISyntaxException e) {
      return "url_invalid";
    }
    if (!"https".equalsIgnoreCase(uri.getScheme())) {
      return "url_not_https";
    }
    return urls.check(value).orElse(null);
  }

  /** The content detectors; true if a finding blocks. Findings are added with block or record. */
  private boolean content(JsonNode params, String location, List<Finding> findings) {
    Inspector.Inspection inspection = inspector.inspect(params, Direction.SERVER_REQUEST, location);
    boolean blocked = false;
    for (Finding f : inspection.findings()) {
      boolean blocks = !f.action().equals("record");
      blocked |= blocks;
      findings.add(blocks && !f.action().equals("block")
          ? new Finding(f.category(), f.detector(), f.direction(), "block", f.location())
          : f);
    }
    return blocked;
  }
}
