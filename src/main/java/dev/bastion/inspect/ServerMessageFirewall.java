package dev.bastion.inspect;

import dev.bastion.config.FirewallConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcCodes;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Finding;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.upstream.ClientRelay;
import dev.bastion.upstream.ServerMessages;
import dev.bastion.upstream.UpstreamException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The firewall for messages upstreams send on their own initiative ({@link ServerMessages}): every
 * server request is inspected ({@link ServerRequestInspector}, direction {@code server_request})
 * and recorded; drops (responses with unknown or duplicate ids, invalid messages) are recorded.
 *
 * <p>Answers: a request whose inspection blocks is refused with {@code -32003} and reason {@code
 * request_blocked}. An {@code elicitation/create} (form or URL mode) or {@code
 * sampling/createMessage} tied to a call whose agent declared the matching capability is relayed to
 * that agent ({@link ClientRelay}) and its checked and inspected answer returned; one the agent
 * cannot take is refused with {@code -32601} and a message naming what is missing (the capability
 * the agent did not declare, or that the request came outside a call). {@code ping} and {@code
 * roots/list} (no roots) are answered by the gateway; anything else is refused with {@code -32601}.
 * Legacy upstreams are told at initialize that the gateway takes form and URL elicitation and
 * sampling ({@link #clientCapabilities()}), since it can relay them.
 *
 * <p>Recording is bounded: every server request except {@code ping} is recorded; of the drops of one
 * upstream the first {@value #DROPS_VERBATIM} are recorded one by one, then one record per {@value
 * #DROPS_EVERY} drops carrying the running count, so a flooding upstream cannot flood the audit log.
 */
public final class ServerMessageFirewall implements ServerMessages {
  static final int DROPS_VERBATIM = 100;
  static final int DROPS_EVERY = 1000;
  private static final System.Logger LOG = System.getLogger(ServerMessageFirewall.class.getName());

  /**
   * One recorded event.
   *
   * @param server the upstream
   * @param method the request's method, or {@code bastion/dropped} for a drop
   * @param during the method of the gateway call the request arrived with, or null
   * @param allowed true when the request was answered (ping, roots/list)
   * @param reason reason code when refused, else null
   * @param detail what to keep of the message: the request's params or the drop's description
   *     (the recorder redacts it before it is stored)
   * @param findings the inspection's findings
   */
  public record Event(String server, String method, String during, boolean allowed, ReasonCode reason, JsonNode detail, List<Finding> findings) {}

  /** Where events go (the audit log). */
  @FunctionalInterface
  public interface Recorder {
    void record(Event event);
  }

  private final ServerRequestInspector inspector;
  private final Recorder recorder;
  private final Map<String, AtomicLong> drops = new ConcurrentHashMap<>();

  public ServerMessageFirewall(FirewallConfig config, Recorder recorder) {
    this(new ServerRequestInspector(config), recorder);
  }

  ServerMessageFirewall(ServerRequestInspector inspector, Recorder recorder) {
    this.inspector = inspector;
    this.recorder = recorder;
  }

  @Override
  public JsonRpcMessage.Response onRequest(String server, JsonRpcMessage.Request request, String during) {
    return onRequest(server, request, during, ClientRelay.NONE, null);
  }

  @Override
  public JsonRpcMessage.Response onRequest(
      String server, JsonRpcMessage.Request request, String during, ClientRelay relay, Duration timeout) {
    ServerRequestInspector.Verdict verdict = inspector.inspect(request.method(), request.params(), "/params");
    List<Finding> findings = verdict.findings();
    JsonRpcMessage.Response answer;
    ReasonCode reason;
    String refusal;
    if (verdict.blocked()) {
      answer = blocked(request, "\"" + request.method() + "\" was blocked by the gateway's firewall: " + verdict.describe());
      reason = ReasonCode.REQUEST_BLOCKED;
      LOG.log(Level.WARNING, "blocked " + request.method() + " from upstream " + server + ": " + verdict.describe());
    } else if (!RELAYED.contains(request.method())) {
      answer = ServerMessages.defaultAnswer(request);
      reason = answer.error() == null ? null : ReasonCode.METHOD_NOT_FOUND;
    } else if ((refusal = malformed(request)) != null) {
      answer = JsonRpcCodec.error(request.id(), JsonRpcCodes.INVALID_PARAMS, "\"" + request.method() + "\" " + refusal, null);
      reason = ReasonCode.INVALID_PARAMS;
    } else if ((refusal = relay == null || timeout == null ? ClientRelay.NONE.refusal(request.method(), request.params())
        : relay.refusal(request.method(), request.params())) != null) {
      answer = JsonRpcCodec.error(request.id(), JsonRpcCodes.METHOD_NOT_FOUND,
          "\"" + request.method() + "\" cannot be relayed by the gateway: " + refusal, null);
      reason = ReasonCode.METHOD_NOT_FOUND;
    } else {
      Relayed relayed = relay(server, request, relay, timeout);
      answer = relayed.answer();
      reason = relayed.reason();
      if (!relayed.findings().isEmpty()) {
        findings = new ArrayList<>(findings);
        findings.addAll(relayed.findings());
      }
    }
    if (!"ping".equals(request.method())) {
      record(new Event(server, request.method(), during, answer.error() == null, reason, request.params(), findings));
    }
    return answer;
  }

  /** Methods relayed to an agent that declared the matching capability. */
  private static final java.util.Set<String> RELAYED = java.util.Set.of("elicitation/create", "sampling/createMessage");

  /**
   * The client capabilities the gateway declares to legacy upstreams: elicitation in form and URL
   * mode and sampling, each relayed to the agent whose call is in flight when that agent declared it.
   */
  public static ObjectNode declaredCapabilities() {
    ObjectNode caps = JsonRpcCodec.nodes().objectNode();
    ObjectNode elicitation = caps.putObject("elicitation");
    elicitation.putObject("form");
    elicitation.putObject("url");
    caps.putObject("sampling");
    return caps;
  }

  @Override
  public ObjectNode clientCapabilities() {
    return declaredCapabilities();
  }

  /** What is wrong with the shape of a request to relay, or null. */
  private static String malformed(JsonRpcMessage.Request request) {
    ObjectNode p = request.params();
    if (p == null) {
      return "needs params";
    }
    if (request.method().equals("sampling/createMessage")) {
      return p.get("messages") instanceof tools.jackson.databind.node.ArrayNode m && !m.isEmpty() && p.path("maxTokens").isIntegralNumber()
          ? null : "needs a non-empty messages array and an integer maxTokens";
    }
    return switch (p.path("mode").asString("form")) {
      case "form" -> p.path("message").isString() && p.get("requestedSchema") instanceof ObjectNode ? null : "needs a message and a requestedSchema object";
      case "url" -> p.path("message").isString() && p.path("url").isString() && p.path("elicitationId").isString()
          ? null : "in url mode needs message, url and elicitationId strings";
      default -> "has an unknown mode";
    };
  }

  private record Relayed(JsonRpcMessage.Response answer, ReasonCode reason, List<Finding> findings) {}

  /**
   * Relays an inspected request to the agent and maps its answer back to the upstream's id: an error
   * answer passes its code and message (not its data); a result must have the shape the method asks
   * for (an elicitation result {@code {action: accept|decline|cancel, content?}}, without content in
   * URL mode; a sampling result {@code {role, content, model, stopReason?}}) and passes the
   * request-direction detectors (what the user typed, or what the agent's model wrote, goes to the
   * server), whose redactions apply and whose block refuses it with {@code -32003}.
   */
  private Relayed relay(String server, JsonRpcMessage.Request request, ClientRelay relay, Duration timeout) {
    JsonRpcMessage.Response agent;
    try {
      agent = relay.relay(server, request.method(), request.params(), timeout);
    } catch (UpstreamException e) {
      LOG.log(Level.INFO, "could not relay " + request.method() + " from upstream " + server + " to the agent: " + e.getMessage());
      return new Relayed(JsonRpcCodec.error(request.id(), JsonRpcCodes.INTERNAL_ERROR, "the agent did not answer: " + e.getMessage(), null),
          e.reason(), List.of());
    }
    if (agent.error() != null) {
      return new Relayed(JsonRpcCodec.error(request.id(), agent.error().code(), agent.error().message(), null), null, List.of());
    }
    JsonNode result = agent.result();
    String invalid = invalidAnswer(request, result);
    if (invalid != null) {
      return new Relayed(JsonRpcCodec.error(request.id(), JsonRpcCodes.INTERNAL_ERROR, "the agent's answer is not " + invalid, null),
          ReasonCode.INVALID_REQUEST, List.of());
    }
    if (urlMode(request)) {
      // nothing the user typed travels back in URL mode: only the action
      ObjectNode action = JsonRpcCodec.nodes().objectNode();
      action.put("action", result.path("action").asString());
      return new Relayed(new JsonRpcMessage.Response(request.id(), action, null), null, List.of());
    }
    Inspector.Inspection inspection = inspector.inspectAnswer(result, "/result");
    if (inspection == null) {
      return new Relayed(new JsonRpcMessage.Response(request.id(), result, null), null, List.of());
    }
    if (inspection.blocked()) {
      LOG.log(Level.WARNING, "blocked the agent's answer to " + request.method() + " from upstream " + server + ": " + inspection.describe());
      return new Relayed(blocked(request, "the agent's answer to \"" + request.method() + "\" was blocked by the gateway's firewall: "
          + inspection.describe()), ReasonCode.REQUEST_BLOCKED, inspection.findings());
    }
    JsonNode forwarded = inspection.rewritten() == null ? result : inspection.rewritten();
    return new Relayed(new JsonRpcMessage.Response(request.id(), forwarded, null), null, inspection.findings());
  }

  private static boolean urlMode(JsonRpcMessage.Request request) {
    return request.method().equals("elicitation/create") && "url".equals(request.params().path("mode").asString(""));
  }

  /** What the agent's result should have been, when it is not that; else null. */
  private static String invalidAnswer(JsonRpcMessage.Request request, JsonNode result) {
    if (!(result instanceof ObjectNode)) {
      return "an object";
    }
    if (request.method().equals("sampling/createMessage")) {
      JsonNode content = result.get("content");
      boolean ok = ROLES.contains(result.path("role").asString(""))
          && (content instanceof ObjectNode || content instanceof tools.jackson.databind.node.ArrayNode)
          && result.path("model").isString();
      return ok ? null : "a sampling result (role, content, model)";
    }
    if (!ACTIONS.contains(result.path("action").asString(""))) {
      return "an elicitation result (action accept, decline or cancel)";
    }
    if (urlMode(request)) {
      return result.has("content") ? "a URL-mode elicitation result (it carries no content)" : null;
    }
    return result.has("content") && !result.get("content").isObject() ? "an elicitation result (content must be an object)" : null;
  }

  private static final java.util.Set<String> ROLES = java.util.Set.of("assistant", "user");

  private static final java.util.Set<String> ACTIONS = java.util.Set.of("accept", "decline", "cancel");

  private static JsonRpcMessage.Response blocked(JsonRpcMessage.Request request, String message) {
    ObjectNode data = JsonRpcCodec.nodes().objectNode();
    data.put("reason", ReasonCode.REQUEST_BLOCKED.wireName());
    return JsonRpcCodec.error(request.id(), JsonRpcCodes.GATEWAY_DENIED, message, data);
  }

  @Override
  public void onDropped(String server, String kind, String what) {
    long n = drops.computeIfAbsent(server, s -> new AtomicLong()).incrementAndGet();
    if (n > DROPS_VERBATIM && n % DROPS_EVERY != 0) {
      return;
    }
    ObjectNode detail = JsonRpcCodec.nodes().objectNode();
    detail.put("kind", kind);
    detail.put("what", what);
    detail.put("droppedSoFar", n);
    record(new Event(server, "bastion/dropped", null, false, ReasonCode.UPSTREAM_PROTOCOL_ERROR, detail, List.of()));
  }

  /** Inspects the embedded requests of an {@code input_required} result (see {@link ServerRequestInspector#inspectResult}). */
  public ServerRequestInspector inspector() {
    return inspector;
  }

  private void record(Event event) {
    try {
      recorder.record(event);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "could not record " + event.method() + " from upstream " + event.server() + ": " + e);
    }
  }
}
