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
 * request_blocked}; a form-mode {@code elicitation/create} tied to a call whose agent declared
 * elicitation is relayed to that agent ({@link ClientRelay}) and its inspected answer returned;
 * otherwise the gateway's default answer ({@code ping} and {@code roots/list} answered, sampling
 * and other elicitations refused with {@code -32601}: the gateway declares no sampling to upstreams
 * and relays nothing else to agents).
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
    if (verdict.blocked()) {
      answer = blocked(request, "\"" + request.method() + "\" was blocked by the gateway's firewall: " + verdict.describe());
      reason = ReasonCode.REQUEST_BLOCKED;
      LOG.log(Level.WARNING, "blocked " + request.method() + " from upstream " + server + ": " + verdict.describe());
    } else if (relay != null && timeout != null && relayable(request) && relay.accepts(request.method(), request.params())) {
      Relayed relayed = relay(server, request, relay, timeout);
      answer = relayed.answer();
      reason = relayed.reason();
      if (!relayed.findings().isEmpty()) {
        findings = new ArrayList<>(findings);
        findings.addAll(relayed.findings());
      }
    } else {
      answer = ServerMessages.defaultAnswer(request);
      reason = answer.error() == null ? null : ReasonCode.METHOD_NOT_FOUND;
    }
    if (!"ping".equals(request.method())) {
      record(new Event(server, request.method(), during, answer.error() == null, reason, request.params(), findings));
    }
    return answer;
  }

  /** Only form-mode elicitations are relayed (URL mode, sampling and roots are not). */
  private static boolean relayable(JsonRpcMessage.Request request) {
    return "elicitation/create".equals(request.method())
        && request.params() != null
        && "form".equals(request.params().path("mode").asString("form"));
  }

  private record Relayed(JsonRpcMessage.Response answer, ReasonCode reason, List<Finding> findings) {}

  /**
   * Relays an inspected elicitation to the agent and maps its answer back to the upstream's id: an
   * error answer passes its code and message (not its data); a result must be {@code {action:
   * accept|decline|cancel, content?}} and passes the request-direction detectors (the user's input
   * goes to the server), whose redactions apply and whose block refuses it with {@code -32003}.
   */
  private Relayed relay(String server, JsonRpcMessage.Request request, ClientRelay relay, Duration timeout) {
    JsonRpcMessage.Response agent;
    try {
      agent = relay.relay(request.method(), request.params(), timeout);
    } catch (UpstreamException e) {
      LOG.log(Level.INFO, "could not relay " + request.method() + " from upstream " + server + " to the agent: " + e.getMessage());
      return new Relayed(JsonRpcCodec.error(request.id(), JsonRpcCodes.INTERNAL_ERROR, "the agent did not answer: " + e.getMessage(), null),
          e.reason(), List.of());
    }
    if (agent.error() != null) {
      return new Relayed(JsonRpcCodec.error(request.id(), agent.error().code(), agent.error().message(), null), null, List.of());
    }
    JsonNode result = agent.result();
    String action = result == null ? "" : result.path("action").asString("");
    if (!(result instanceof ObjectNode) || !ACTIONS.contains(action) || (result.has("content") && !result.get("content").isObject())) {
      return new Relayed(JsonRpcCodec.error(request.id(), JsonRpcCodes.INTERNAL_ERROR, "the agent's answer is not an elicitation result", null),
          ReasonCode.INVALID_REQUEST, List.of());
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
