package dev.bastion.federation;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.jsonrpc.RequestIds;
import dev.bastion.mcp.ProtocolVersions;
import dev.bastion.mcp.ServerIdentity;
import dev.bastion.mcp.Session;
import dev.bastion.mcp.SessionRegistry;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import dev.bastion.pipeline.Target;
import dev.bastion.upstream.Upstream;
import dev.bastion.upstream.UpstreamException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The terminal stage, like okhttp's CallServerInterceptor: it answers what the gateway answers
 * itself (initialize, server/discover, ping, the federated lists) and forwards the rest to the
 * upstream the route stage chose. Nothing the agent authenticated with is forwarded; the upstream
 * client injects the upstream's own credentials.
 */
public final class DispatchStage implements Stage {
  private final Catalog catalog;
  private final Function<String, Optional<Upstream>> upstreams;
  private final SessionRegistry sessions;
  private final ServerIdentity identity;
  private final Discovery discovery;
  private final Function<String, Duration> timeouts;
  private final ChangeFeed changes;

  public DispatchStage(
      Catalog catalog,
      Function<String, Optional<Upstream>> upstreams,
      SessionRegistry sessions,
      ServerIdentity identity,
      Discovery discovery,
      Function<String, Duration> timeouts,
      ChangeFeed changes) {
    this.catalog = catalog;
    this.upstreams = upstreams;
    this.sessions = sessions;
    this.identity = identity;
    this.discovery = discovery;
    this.timeouts = timeouts;
    this.changes = changes;
  }

  @Override
  public String name() {
    return "upstream";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    if (exchange.isNotification()) {
      return notification(exchange);
    }
    boolean stateless = exchange.era() == Era.STATELESS;
    return switch (exchange.method()) {
      case "initialize" -> initialize(exchange);
      case "server/discover" -> Outcome.success(identity.discoverResult());
      case "ping" -> stateless ? notFound(exchange) : Outcome.success(JsonRpcCodec.nodes().objectNode());
      case "logging/setLevel" -> stateless ? notFound(exchange) : Outcome.success(JsonRpcCodec.nodes().objectNode());
      case "tools/list" -> list(exchange, "tools", Target.Kind.TOOL);
      case "prompts/list" -> list(exchange, "prompts", Target.Kind.PROMPT);
      case "resources/list" -> list(exchange, "resources", Target.Kind.RESOURCE);
      case "resources/templates/list" -> list(exchange, "resourceTemplates", Target.Kind.RESOURCE);
      case "tools/call", "prompts/get", "resources/read", "completion/complete" -> forward(exchange);
      case "subscriptions/listen" -> stateless ? listen(exchange) : notFound(exchange);
      default -> notFound(exchange);
    };
  }

  private Outcome notFound(Exchange exchange) {
    return new Outcome.Failure(
        Fault.of(ReasonCode.METHOD_NOT_FOUND, "method '" + RouteStage.clip(exchange.method()) + "' is not supported by this gateway"));
  }

  private Outcome initialize(Exchange exchange) {
    if (exchange.era() == Era.STATELESS) {
      return new Outcome.Failure(
          Fault.of(ReasonCode.INVALID_REQUEST, "initialize is not part of protocol 2026-07-28; use server/discover"));
    }
    String requested = exchange.params().path("protocolVersion").asString("");
    String version = ProtocolVersions.negotiateLegacy(requested);
    Optional<Session> created = sessions.create(exchange.principal().agentId(), version);
    if (created.isEmpty()) {
      return new Outcome.Failure(Fault.of(ReasonCode.RATE_LIMITED, "the gateway holds its maximum number of sessions; retry later"));
    }
    created.get().clientCapabilities(exchange.params().get("capabilities"));
    exchange.log().createdSessionId(created.get().id());
    return Outcome.success(identity.initializeResult(version));
  }

  private Outcome notification(Exchange exchange) {
    switch (exchange.method()) {
      case "notifications/initialized" -> session(exchange).ifPresent(Session::markInitialized);
      case "notifications/cancelled" -> {
        JsonNode requestId = exchange.params().get("requestId");
        if (requestId != null) {
          session(exchange).ifPresent(s -> s.cancel(RequestIds.key(requestId)));
        }
      }
      default -> {
        // Other client notifications (roots/list_changed, progress for server requests) have no
        // upstream to go to in a federated gateway; they are acknowledged and dropped.
      }
    }
    return Outcome.success(null);
  }

  private Optional<Session> session(Exchange exchange) {
    return sessions.peek(exchange.sessionId(), exchange.principal().agentId());
  }

  /**
   * 2026-07-28 {@code subscriptions/listen}: acknowledges the kinds it will deliver, then streams
   * list_changed notifications on this request's SSE response until the agent hangs up or the
   * gateway stops. Per-resource subscriptions are not offered (the gateway does not advertise them).
   */
  private Outcome listen(Exchange exchange) {
    JsonNode id = ((JsonRpcMessage.Request) exchange.message()).id();
    JsonNode wanted = exchange.params().path("notifications");
    Map<String, Boolean> kinds =
        Map.of(
            "tools", wanted.path("toolsListChanged").asBoolean(false),
            "prompts", wanted.path("promptsListChanged").asBoolean(false),
            "resources", wanted.path("resourcesListChanged").asBoolean(false));
    ObjectNode ack = JsonRpcCodec.nodes().objectNode();
    ack.putObject("_meta").set(SUBSCRIPTION_ID, id);
    ObjectNode honored = ack.putObject("notifications");
    honored.put("toolsListChanged", kinds.get("tools"));
    honored.put("promptsListChanged", kinds.get("prompts"));
    honored.put("resourcesListChanged", kinds.get("resources"));
    java.util.concurrent.BlockingQueue<String> queue = new java.util.concurrent.ArrayBlockingQueue<>(64);
    try (AutoCloseable subscription = changes.subscribe(queue::offer)) {
      exchange.sink().send(new JsonRpcMessage.Notification("notifications/subscriptions/acknowledged", ack));
      while (exchange.sink().open() && changes.open()) {
        String kind = queue.poll(15, java.util.concurrent.TimeUnit.SECONDS);
        if (kind == null) {
          exchange.sink().keepAlive();
        } else if (Boolean.TRUE.equals(kinds.get(kind))) {
          ObjectNode params = JsonRpcCodec.nodes().objectNode();
          params.putObject("_meta").set(SUBSCRIPTION_ID, id);
          exchange.sink().send(new JsonRpcMessage.Notification("notifications/" + kind + "/list_changed", params));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      return new Outcome.Failure(Fault.of(ReasonCode.STAGE_FAILED, "the subscription ended unexpectedly"));
    }
    ObjectNode end = JsonRpcCodec.nodes().objectNode();
    end.putObject("_meta").set(SUBSCRIPTION_ID, id);
    return Outcome.success(end);
  }

  private static final String SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";

  private Outcome list(Exchange exchange, String field, Target.Kind kind) {
    ObjectNode result = JsonRpcCodec.nodes().objectNode();
    ArrayNode items = result.putArray(field);
    for (Catalog.ServerPart part : catalog.parts()) {
      java.util.List<ObjectNode> source =
          switch (field) {
            case "tools" -> part.tools();
            case "prompts" -> part.prompts();
            case "resources" -> part.resources();
            default -> part.templates();
          };
      for (ObjectNode item : source) {
        ObjectNode exposed = item.deepCopy();
        String upstreamName = item.path("name").asString("");
        String exposedName = kind == Target.Kind.RESOURCE ? item.path("uri").asString(item.path("uriTemplate").asString("")) : Catalog.expose(part.server(), upstreamName);
        if (kind != Target.Kind.RESOURCE) {
          exposed.put("name", exposedName);
        }
        Target target = new Target(kind, part.server(), exposedName, upstreamName, item);
        if (discovery.visibility(exchange.principal(), target) == Discovery.Visibility.SHOWN) {
          items.add(exposed);
        }
      }
    }
    if (exchange.era() == Era.STATELESS) {
      result.put("ttlMs", 0);
      result.put("cacheScope", "private");
    }
    return Outcome.success(result);
  }

  private Outcome forward(Exchange exchange) {
    Target target = exchange.target();
    Optional<Upstream> upstream = upstreams.apply(target.server());
    if (target.kind() == Target.Kind.GATEWAY || upstream.isEmpty()) {
      return new Outcome.Failure(Fault.of(ReasonCode.UNKNOWN_TARGET, "no upstream serves this call"));
    }
    ObjectNode params = upstreamParams(exchange.params(), target);
    JsonRpcMessage.Request request = (JsonRpcMessage.Request) exchange.message();
    String agentRequestId = RequestIds.key(request.id());
    Optional<Session> session = exchange.era() == Era.LEGACY ? sessions.peek(exchange.sessionId(), exchange.principal().agentId()) : Optional.empty();
    long start = System.nanoTime();
    Upstream.Call call;
    try {
      call =
          upstream
              .get()
              .call(
                  exchange.method(),
                  params,
                  new Upstream.CallOptions(timeouts.apply(target.server()), p -> exchange.sink().send(new JsonRpcMessage.Notification("notifications/progress", p)),
                      relay(exchange, session)));
    } catch (UpstreamException e) {
      exchange.log().upstream(Duration.ofNanos(System.nanoTime() - start), e.reason().wireName());
      return new Outcome.Failure(Fault.of(e.reason(), "upstream '" + target.server() + "' is unavailable: " + e.getMessage()));
    }
    Runnable cancelByAgent = () -> call.cancel("cancelled by the agent");
    session.ifPresent(s -> s.registerInFlight(agentRequestId, cancelByAgent));
    exchange.sink().onHangUp(() -> call.cancel("the agent closed its response stream"));
    try {
      ObjectNode result = call.await();
      exchange.log().upstream(Duration.ofNanos(System.nanoTime() - start), "ok");
      return Outcome.success(adaptResult(exchange, result));
    } catch (UpstreamException.Remote e) {
      exchange.log().upstream(Duration.ofNanos(System.nanoTime() - start), "error");
      int code = e.code();
      if (code == -32002 && exchange.era() == Era.STATELESS) {
        code = -32602; // 2026-07-28 folds "resource not found" into invalid params
      }
      return new Outcome.UpstreamError(code, e.getMessage(), e.data());
    } catch (UpstreamException e) {
      exchange.log().upstream(Duration.ofNanos(System.nanoTime() - start), e.reason().wireName());
      return new Outcome.Failure(Fault.of(e.reason(), "upstream '" + target.server() + "': " + e.getMessage()));
    } finally {
      session.ifPresent(s -> s.unregisterInFlight(agentRequestId, cancelByAgent));
    }
  }

  /**
   * The agent behind the call as the upstream's client: a legacy agent's session takes requests the
   * server sends during the call (elicitation, sampling); a 2026-07-28 agent's declared capabilities
   * go to a 2026-07-28 upstream, which asks through input_required results instead.
   */
  private static dev.bastion.upstream.ClientRelay relay(Exchange exchange, Optional<Session> session) {
    if (session.isPresent()) {
      return new dev.bastion.mcp.AgentRelay(session.get(), exchange.sink());
    }
    if (exchange.era() == Era.STATELESS) {
      JsonNode meta = exchange.params().get("_meta");
      return new dev.bastion.mcp.StatelessRelay(meta == null ? null : meta.get("io.modelcontextprotocol/clientCapabilities"));
    }
    return null;
  }

  /**
   * The agent's params with the upstream's own name and without the agent's protocol envelope.
   * Copies only what changes: the params object itself, {@code _meta} and a completion's
   * {@code ref}; every other member (the arguments) is the agent's node, shared, since nothing on
   * the way upstream writes below those levels (the upstream client copies {@code _meta} again
   * before it changes it). Same text as the deep copy it replaced (DispatchParamsEquivalenceTest).
   */
  static ObjectNode upstreamParams(ObjectNode agentParams, Target target) {
    ObjectNode params = shallowCopy(agentParams);
    switch (target.kind()) {
      case TOOL, PROMPT -> params.put("name", target.upstreamName());
      case COMPLETION -> {
        if (params.get("ref") instanceof ObjectNode r && r.has("name")) {
          ObjectNode ref = shallowCopy(r);
          ref.put("name", target.upstreamName());
          params.set("ref", ref);
        }
      }
      case RESOURCE, GATEWAY -> {}
    }
    if (params.get("_meta") instanceof ObjectNode agentMeta) {
      ObjectNode meta = JsonRpcCodec.nodes().objectNode();
      for (Map.Entry<String, JsonNode> e : agentMeta.properties()) {
        if (!e.getKey().startsWith("io.modelcontextprotocol/")) {
          meta.set(e.getKey(), e.getValue());
        }
      }
      if (meta.isEmpty()) {
        params.remove("_meta");
      } else {
        params.set("_meta", meta);
      }
    }
    return params;
  }

  private static ObjectNode shallowCopy(ObjectNode node) {
    ObjectNode copy = JsonRpcCodec.nodes().objectNode();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      copy.set(e.getKey(), e.getValue());
    }
    return copy;
  }

  /** Shapes an upstream result for the agent's era. */
  private static ObjectNode adaptResult(Exchange exchange, ObjectNode result) {
    if (exchange.era() == Era.STATELESS) {
      if (!result.has("resultType")) {
        result.put("resultType", "complete");
      }
      if (exchange.method().equals("resources/read")) {
        result.put("ttlMs", 0);
        result.put("cacheScope", "private");
      }
    } else {
      result.remove("resultType");
      result.remove("ttlMs");
      result.remove("cacheScope");
    }
    return result;
  }
}
