package dev.bastion.upstream;

import static dev.bastion.upstream.FakeHttpServer.empty;
import static dev.bastion.upstream.FakeHttpServer.legacyHandshake;
import static dev.bastion.upstream.FakeHttpServer.sse;
import static dev.bastion.upstream.FakeHttpServer.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import dev.bastion.jsonrpc.JsonRpcMessage;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An HTTP upstream's request on a call's event stream belongs to that call: the transport hands the
 * call's {@link ClientRelay} and timeout to {@link ServerMessages}, and the answer goes back to the
 * server under the server's own id. A call made without a relay gets the gateway's refusal.
 */
class HttpUpstreamRelayTest {
  private static final JsonRpcCodec CODEC = new JsonRpcCodec(JsonRpcLimits.DEFAULT);
  private final List<AutoCloseable> opened = new ArrayList<>();
  /** The server's answers from its client, by the server's request id. */
  private final Map<String, CompletableFuture<JsonNode>> answers = new ConcurrentHashMap<>();
  private final List<String> during = new CopyOnWriteArrayList<>();
  /** The trace context each relayed request's call carried upstream, as the relay tells it. */
  private final List<Map<String, String>> traceContexts = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
  }

  /** Relays like the gateway's firewall does: through the call's relay, mapped back to the server's id. */
  private final ServerMessages relaying = new ServerMessages() {
    @Override
    public JsonRpcMessage.Response onRequest(String server, JsonRpcMessage.Request request, String during) {
      return ServerMessages.defaultAnswer(request);
    }

    @Override
    public JsonRpcMessage.Response onRequest(String server, JsonRpcMessage.Request request, String call, ClientRelay relay, Duration timeout) {
      during.add(call + " " + timeout.toSeconds() + "s");
      traceContexts.add(relay.traceContext());
      if (!relay.accepts(request.method(), request.params())) {
        return ServerMessages.defaultAnswer(request);
      }
      try {
        JsonRpcMessage.Response agent = relay.relay(server, request.method(), request.params(), timeout);
        return new JsonRpcMessage.Response(request.id(), agent.result(), agent.error());
      } catch (UpstreamException e) {
        return ServerMessages.defaultAnswer(request);
      }
    }

    @Override
    public void onDropped(String server, String kind, String what) {}
  };

  private HttpUpstream upstream() throws Exception {
    FakeHttpServer server = new FakeHttpServer((r, ex) -> {
      if (r.body() != null && !r.body().has("method")) {
        // the gateway's answer to the server's request
        answers.computeIfAbsent(r.body().get("id").asString(""), k -> new CompletableFuture<>()).complete(r.body());
        empty(ex, 202);
        return;
      }
      if (!legacyHandshake(r, ex, "s")) {
        String asked = "srv-" + r.body().get("id");
        OutputStream out = sse(ex);
        write(out, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"" + asked + "\",\"method\":\"elicitation/create\",\"params\":"
            + "{\"message\":\"Choose a colour.\",\"requestedSchema\":{\"type\":\"object\",\"properties\":{\"colour\":{\"type\":\"string\"}}}}}\n\n");
        JsonNode answer = answers.computeIfAbsent(asked, k -> new CompletableFuture<>()).get(20, TimeUnit.SECONDS);
        ObjectNode result = FakeHttpServer.MAPPER.createObjectNode();
        result.set("answer", answer);
        write(out, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + r.body().get("id") + ",\"result\":" + result + "}\n\n");
      }
    });
    opened.add(server);
    UpstreamConfig.Http cfg = new UpstreamConfig.Http("remote", server.url(), Map.of(), Duration.ofSeconds(20));
    HttpUpstream up = new HttpUpstream(cfg, new UpstreamContext(CODEC, Duration.ofSeconds(20), 1 << 20, (s, m, p) -> {}, relaying));
    opened.add(up);
    up.start();
    return up;
  }

  @Test
  void aRequestOnACallsStreamIsRelayedThroughThatCallsAgentAndAnsweredUnderTheServersId() throws Exception {
    HttpUpstream up = upstream();
    List<Duration> timeouts = new CopyOnWriteArrayList<>();
    ClientRelay agent = new ClientRelay() {
      @Override
      public String refusal(String method, ObjectNode params) {
        return method.equals("elicitation/create") ? null : "not " + method;
      }

      @Override
      public JsonRpcMessage.Response relay(String server, String method, ObjectNode params, Duration timeout) {
        timeouts.add(timeout);
        return new JsonRpcMessage.Response(JsonRpcCodec.nodes().stringNode("bastion-1"),
            FakeHttpServer.MAPPER.readTree("{\"action\":\"accept\",\"content\":{\"colour\":\"green\"}}"), null);
      }
    };

    ObjectNode result = up.call("tools/call", StdioUpstreamTest.tool("ask"), new Upstream.CallOptions(Duration.ofSeconds(7), p -> {}, agent)).await();

    JsonNode answer = result.get("answer");
    assertThat(answer.get("id").asString()).startsWith("srv-");
    assertThat(answer.get("result").toString()).isEqualTo("{\"action\":\"accept\",\"content\":{\"colour\":\"green\"}}");
    assertThat(timeouts).containsExactly(Duration.ofSeconds(7));
    assertThat(during).containsExactly("tools/call 7s");
  }

  @Test
  void theRelayOfARequestOnACallsStreamKnowsTheTraceContextTheCallCarried() throws Exception {
    HttpUpstream up = upstream();
    ObjectNode params = StdioUpstreamTest.tool("ask");
    params.putObject("_meta").put("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").put("tracestate", "b=2");
    ClientRelay agent = new ClientRelay() {
      @Override
      public String refusal(String method, ObjectNode p) {
        return null;
      }

      @Override
      public JsonRpcMessage.Response relay(String server, String method, ObjectNode p, Duration timeout) {
        return new JsonRpcMessage.Response(JsonRpcCodec.nodes().stringNode("bastion-1"), FakeHttpServer.MAPPER.readTree("{\"action\":\"decline\"}"), null);
      }
    };

    up.call("tools/call", params, new Upstream.CallOptions(Duration.ofSeconds(7), p -> {}, agent)).await();
    up.call("tools/call", StdioUpstreamTest.tool("ask"), new Upstream.CallOptions(Duration.ofSeconds(7), p -> {}, agent)).await();

    assertThat(traceContexts).containsExactly(
        Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate", "b=2"), Map.of());
  }

  @Test
  void aCallWithoutARelayGetsTheRefusal() throws Exception {
    HttpUpstream up = upstream();

    ObjectNode result = up.call("tools/call", StdioUpstreamTest.tool("ask"), Upstream.CallOptions.of(Duration.ofSeconds(20))).await();

    assertThat(result.get("answer").get("error").get("code").asInt()).isEqualTo(-32601);
  }
}
