package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.upstream.ClientRelay;
import dev.bastion.upstream.ServerMessages;
import dev.bastion.upstream.UpstreamException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link RelaySpans} on its own, around a firewall stand-in that relays through the call's relay
 * like the gateway's does: which context parents the SERVER span (the upstream's own {@code _meta}
 * first, then the call's, else none), what the agent receives in {@code _meta} (only the trace
 * fields replaced), outcomes (the agent failed to answer, answered with an error, the gateway
 * refused), bounded method names, and nothing built or changed with tracing off.
 */
class RelaySpansTest {
  static final String CALL_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CALL_SPAN = "00f067aa0ba902b7";
  static final String UPSTREAM_TRACE = "0af7651916cd43dd8448eb211c80319c";
  static final String UPSTREAM_SPAN = "b7ad6b7169203331";

  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final InMemoryMetricReader reader = InMemoryMetricReader.create();
  final SdkTracerProvider tracerProvider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
  final GatewayMetrics metrics = new GatewayMetrics(SdkMeterProvider.builder().registerMetricReader(reader).build().get("test"));
  final List<ObjectNode> toAgent = new CopyOnWriteArrayList<>();

  static final Optional<UpstreamConfig> HTTP =
      Optional.of(new UpstreamConfig.Http("web", URI.create("http://tools.internal:9000/mcp"), Map.of(), Duration.ofSeconds(5)));

  /** Relays through the call's relay and maps the agent's answer back, or answers like the gateway without a firewall. */
  static final ServerMessages FIREWALL = new ServerMessages() {
    @Override
    public JsonRpcMessage.Response onRequest(String server, JsonRpcMessage.Request request, String during) {
      return ServerMessages.defaultAnswer(request);
    }

    @Override
    public JsonRpcMessage.Response onRequest(String server, JsonRpcMessage.Request request, String during, ClientRelay relay, Duration timeout) {
      if (!relay.accepts(request.method(), request.params())) {
        return JsonRpcCodec.error(request.id(), -32601, "cannot be relayed", null);
      }
      try {
        JsonRpcMessage.Response agent = relay.relay(server, request.method(), request.params(), timeout);
        return new JsonRpcMessage.Response(request.id(), agent.result(), agent.error());
      } catch (UpstreamException e) {
        return JsonRpcCodec.error(request.id(), -32603, "the agent did not answer", null);
      }
    }

    @Override
    public void onDropped(String server, String kind, String what) {}
  };

  RelaySpans relaySpans(boolean tracing) {
    return new RelaySpans(FIREWALL, tracing ? tracerProvider.get("test") : TracerProvider.noop().get("test"), tracing, metrics, name -> HTTP);
  }

  /** An agent that answers with {@code answer} (or throws {@code failure}); the call carried {@code callContext}. */
  ClientRelay agent(Map<String, String> callContext, JsonRpcMessage.Response answer, UpstreamException failure) {
    return new ClientRelay() {
      @Override
      public String refusal(String method, ObjectNode params) {
        return method.equals("sampling/createMessage") ? null : "not " + method;
      }

      @Override
      public JsonRpcMessage.Response relay(String server, String method, ObjectNode params, Duration timeout) throws UpstreamException {
        toAgent.add(params);
        if (failure != null) {
          throw failure;
        }
        return answer;
      }

      @Override
      public Map<String, String> traceContext() {
        return callContext;
      }

      @Override
      public String sessionId() {
        return "session-1";
      }
    };
  }

  static JsonRpcMessage.Response ok() {
    return new JsonRpcMessage.Response(JsonRpcCodec.nodes().stringNode("bastion-7"), JsonRpcCodec.nodes().objectNode().put("model", "m"), null);
  }

  static JsonRpcMessage.Request sampling(String meta) {
    ObjectNode params = (ObjectNode) JsonRpcCodec.nodes().objectNode();
    params.put("maxTokens", 10).putArray("messages").addObject().put("role", "user").putObject("content").put("type", "text").put("text", "secret prompt");
    if (meta != null) {
      params.set("_meta", tools.jackson.databind.json.JsonMapper.builder().build().readTree(meta));
    }
    return new JsonRpcMessage.Request(JsonRpcCodec.nodes().stringNode("srv-1"), "sampling/createMessage", params);
  }

  static final Map<String, String> CALL = Map.of("traceparent", "00-" + CALL_TRACE + "-" + CALL_SPAN + "-01");

  SpanData only(SpanKind kind) {
    List<SpanData> found = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind).toList();
    assertThat(found).as("%s in %s", kind, spans.getFinishedSpanItems()).hasSize(1);
    return found.getFirst();
  }

  static String attr(SpanData s, String key) {
    return s.getAttributes().get(AttributeKey.stringKey(key));
  }

  @Test
  void theUpstreamsOwnContextParentsTheRequestAndOnlyTheTraceFieldsAreReplacedForTheAgent() {
    JsonRpcMessage.Request request = sampling("{\"traceparent\":\"00-" + UPSTREAM_TRACE + "-" + UPSTREAM_SPAN + "-01\",\"tracestate\":\"up=1\","
        + "\"progressToken\":\"bastion-progress-3\",\"com.example/note\":\"kept\"}");
    JsonRpcMessage.Response answer = relaySpans(true).onRequest("web", request, "tools/call", agent(CALL, ok(), null), Duration.ofSeconds(5));

    assertThat(answer.error()).isNull();
    SpanData received = only(SpanKind.SERVER);
    assertThat(received.getName()).isEqualTo("sampling/createMessage");
    assertThat(received.getTraceId()).isEqualTo(UPSTREAM_TRACE);
    assertThat(received.getParentSpanId()).isEqualTo(UPSTREAM_SPAN);
    assertThat(attr(received, "network.transport")).isEqualTo("tcp");
    assertThat(attr(received, "server.address")).isEqualTo("tools.internal");
    assertThat(received.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo(9000L);
    assertThat(attr(received, "jsonrpc.request.id")).isEqualTo("srv-1");
    SpanData sent = only(SpanKind.CLIENT);
    assertThat(sent.getParentSpanId()).isEqualTo(received.getSpanId());
    assertThat(attr(sent, "mcp.session.id")).isEqualTo("session-1");
    assertThat(attr(sent, "jsonrpc.request.id")).isEqualTo("bastion-7");

    ObjectNode meta = (ObjectNode) toAgent.getFirst().get("_meta");
    assertThat(meta.path("traceparent").asString()).startsWith("00-" + UPSTREAM_TRACE + "-" + sent.getSpanId() + "-");
    assertThat(meta.path("tracestate").asString()).isEqualTo("up=1"); // W3C: the trace's vendor state travels with it
    assertThat(meta.path("progressToken").asString()).isEqualTo("bastion-progress-3");
    assertThat(meta.path("com.example/note").asString()).isEqualTo("kept");
    // the upstream's request itself is untouched (the firewall records it as received)
    assertThat(request.params().path("_meta").path("traceparent").asString()).contains(UPSTREAM_SPAN);
    assertThat(spans.getFinishedSpanItems()).allSatisfy(s -> assertThat(s.getAttributes().toString()).doesNotContain("secret prompt"));
  }

  @Test
  void withoutTheUpstreamsContextTheCallsParentsTheRequest() {
    relaySpans(true).onRequest("web", sampling(null), "tools/call", agent(CALL, ok(), null), Duration.ofSeconds(5));

    SpanData received = only(SpanKind.SERVER);
    assertThat(received.getTraceId()).isEqualTo(CALL_TRACE);
    assertThat(received.getParentSpanId()).isEqualTo(CALL_SPAN);
    assertThat(toAgent.getFirst().path("_meta").path("traceparent").asString()).startsWith("00-" + CALL_TRACE + "-" + only(SpanKind.CLIENT).getSpanId());
    assertThat(toAgent.getFirst().path("_meta").has("tracestate")).isFalse();
  }

  @Test
  void aRequestOutsideACallStartsATraceAndIsAnsweredByTheGateway() {
    JsonRpcMessage.Response answer =
        relaySpans(true).onRequest("web", new JsonRpcMessage.Request(JsonRpcCodec.nodes().numberNode(4), "roots/list", JsonRpcCodec.nodes().objectNode()), null);

    assertThat(answer.error()).isNull();
    SpanData received = only(SpanKind.SERVER);
    assertThat(received.getName()).isEqualTo("roots/list");
    assertThat(received.getParentSpanContext().isValid()).isFalse();
    assertThat(attr(received, "bastion.during")).isNull();
    assertThat(attr(received, "jsonrpc.request.id")).isEqualTo("4");
    assertThat(spans.getFinishedSpanItems()).noneMatch(s -> s.getKind() == SpanKind.CLIENT);
  }

  @Test
  void anAgentThatDoesNotAnswerInTimeFailsBothSpansWithTheReason() {
    relaySpans(true).onRequest("web", sampling(null), "tools/call",
        agent(CALL, null, new UpstreamException(ReasonCode.UPSTREAM_TIMEOUT, "no answer")), Duration.ofSeconds(5));

    SpanData received = only(SpanKind.SERVER);
    assertThat(attr(received, "error.type")).isEqualTo("upstream_timeout");
    assertThat(attr(received, "rpc.response.status_code")).isEqualTo("-32603");
    assertThat(received.getEvents()).singleElement().satisfies(e ->
        assertThat(e.getAttributes().get(AttributeKey.stringKey("bastion.reason"))).isEqualTo("upstream_timeout"));
    SpanData sent = only(SpanKind.CLIENT);
    assertThat(attr(sent, "error.type")).isEqualTo("upstream_timeout");
    assertThat(sent.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
  }

  @Test
  void anAgentsErrorAnswerIsAnErrorButNotARefusal() {
    JsonRpcMessage.Response declined = new JsonRpcMessage.Response(JsonRpcCodec.nodes().stringNode("bastion-8"), null,
        new JsonRpcMessage.ErrorObject(-1, "User rejected sampling request", null));
    relaySpans(true).onRequest("web", sampling(null), "tools/call", agent(CALL, declined, null), Duration.ofSeconds(5));

    SpanData received = only(SpanKind.SERVER);
    assertThat(attr(received, "error.type")).isEqualTo("-1");
    assertThat(attr(received, "bastion.reason")).isNull();
    assertThat(received.getEvents()).isEmpty();
    assertThat(attr(only(SpanKind.CLIENT), "error.type")).isEqualTo("-1");
  }

  @Test
  void aMethodOutsideTheKnownSetIsRecordedAsOther() {
    relaySpans(true).onRequest("web", new JsonRpcMessage.Request(JsonRpcCodec.nodes().numberNode(5), "x/ghp_notamethod", JsonRpcCodec.nodes().objectNode()), null);

    SpanData received = only(SpanKind.SERVER);
    assertThat(received.getName()).isEqualTo("_OTHER");
    assertThat(attr(received, "mcp.method.name")).isEqualTo("_OTHER");
    assertThat(attr(received, "error.type")).isEqualTo("method_not_found");
    assertThat(metricPoints("mcp.server.operation.duration")).allMatch(a -> !a.toString().contains("ghp_"));
  }

  @Test
  void theGatewaysRefusalsAreNamedByTheirReason() {
    assertThat(RelaySpans.refusal(new JsonRpcMessage.ErrorObject(-32003, "blocked", JsonRpcCodec.nodes().objectNode().put("reason", "request_blocked")), false))
        .isEqualTo(ReasonCode.REQUEST_BLOCKED);
    assertThat(RelaySpans.refusal(new JsonRpcMessage.ErrorObject(-32601, "no", null), false)).isEqualTo(ReasonCode.METHOD_NOT_FOUND);
    assertThat(RelaySpans.refusal(new JsonRpcMessage.ErrorObject(-32602, "bad", null), false)).isEqualTo(ReasonCode.INVALID_PARAMS);
    assertThat(RelaySpans.refusal(new JsonRpcMessage.ErrorObject(-32603, "not a result", null), true)).isEqualTo(ReasonCode.INVALID_REQUEST);
    assertThat(RelaySpans.refusal(new JsonRpcMessage.ErrorObject(-32000, "other", null), false)).isNull();
  }

  @Test
  void withTracingOffNothingIsBuiltTheAgentGetsTheParamsAsTheyWereAndTheDurationsAreMeasured() {
    JsonRpcMessage.Request request = sampling("{\"traceparent\":\"00-" + UPSTREAM_TRACE + "-" + UPSTREAM_SPAN + "-01\"}");
    relaySpans(false).onRequest("web", request, "tools/call", agent(CALL, ok(), null), Duration.ofSeconds(5));

    assertThat(spans.getFinishedSpanItems()).isEmpty();
    assertThat(toAgent).singleElement().isSameAs(request.params());
    assertThat(metricPoints("mcp.server.operation.duration")).hasSize(1);
    assertThat(metricPoints("mcp.client.operation.duration")).hasSize(1);
  }

  @Test
  void aFailingFirewallEndsTheSpanAndPassesTheFailureOn() {
    ServerMessages broken = new ServerMessages() {
      @Override
      public JsonRpcMessage.Response onRequest(String server, JsonRpcMessage.Request request, String during) {
        throw new IllegalStateException("boom");
      }

      @Override
      public void onDropped(String server, String kind, String what) {}
    };
    RelaySpans wrapped = new RelaySpans(broken, tracerProvider.get("test"), true, metrics, name -> Optional.empty());
    assertThatThrownBy(() -> wrapped.onRequest("srv", sampling(null), null)).hasMessage("boom");
    assertThat(only(SpanKind.SERVER).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
  }

  private List<io.opentelemetry.api.common.Attributes> metricPoints(String name) {
    return reader.collectAllMetrics().stream().filter(d -> d.getName().equals(name)).map(MetricData::getHistogramData)
        .flatMap(h -> h.getPoints().stream()).map(p -> p.getAttributes()).toList();
  }
}
