package dev.bastion.upstream;

import static dev.bastion.upstream.FakeHttpServer.empty;
import static dev.bastion.upstream.FakeHttpServer.legacyHandshake;
import static dev.bastion.upstream.FakeHttpServer.result;
import static dev.bastion.upstream.FakeHttpServer.sse;
import static dev.bastion.upstream.FakeHttpServer.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bastion.config.Secret;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every header of every kind of request the HTTP upstream client sends, in both eras: the handshakes,
 * a call (with trace context), the answer to a request the server made during a call, a notification,
 * the legacy GET stream and the session's DELETE. Only Host and Content-Length are left out (port and ids).
 */
class HttpUpstreamRequestHeadersTest {
  private static final JsonRpcCodec CODEC = new JsonRpcCodec(JsonRpcLimits.DEFAULT);
  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  private static final String TRACESTATE = "vendor=opaque";
  private static final String BOTH = "application/json, text/event-stream";

  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
  }

  /** The headers of each request, by a label: HTTP method plus JSON-RPC method, or "response" for an answer. */
  private static Map<String, Map<String, String>> byRequest(FakeHttpServer server) {
    Map<String, Map<String, String>> seen = new LinkedHashMap<>();
    for (FakeHttpServer.Received r : server.received) {
      String label = r.body() == null ? r.httpMethod() : r.rpcMethod() != null ? r.httpMethod() + " " + r.rpcMethod() : r.httpMethod() + " response";
      Map<String, String> h = new TreeMap<>(r.headers());
      h.remove("host");
      h.remove("content-length");
      seen.putIfAbsent(label, h);
    }
    return seen;
  }

  /** Answers tools/call on an event stream that first asks the gateway for a ping, then answers. */
  private static void callWithPing(FakeHttpServer.Received r, com.sun.net.httpserver.HttpExchange ex) throws Exception {
    OutputStream out = sse(ex);
    write(out, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"ping\"}\n\n");
    write(out, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + r.body().get("id") + ",\"result\":{\"content\":[]}}\n\n");
    out.close();
  }

  private HttpUpstream upstream(FakeHttpServer server) throws UpstreamException {
    UpstreamConfig.Http cfg = new UpstreamConfig.Http("remote", server.url(),
        Map.of("Authorization", Secret.of("Bearer upstream-key", true), "User-Agent", Secret.of("ops-agent/7", false)), Duration.ofSeconds(20));
    HttpUpstream up = new HttpUpstream(cfg, new UpstreamContext(CODEC, Duration.ofSeconds(20), 1 << 20, (s, m, p) -> {}));
    opened.add(up);
    up.start();
    return up;
  }

  private static ObjectNode tracedTool(String name) {
    ObjectNode params = StdioUpstreamTest.tool(name);
    params.putObject("_meta").put("traceparent", TRACEPARENT).put("tracestate", TRACESTATE);
    return params;
  }

  private static Map<String, String> headers(String... pairs) {
    Map<String, String> m = new TreeMap<>();
    m.put("authorization", "Bearer upstream-key");
    m.put("user-agent", "ops-agent/7");
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }

  private static FakeHttpServer opened(List<AutoCloseable> opened, FakeHttpServer s) {
    opened.add(s);
    return s;
  }

  @Test
  void aLegacySessionSendsExactlyTheseHeaders() throws Exception {
    FakeHttpServer server = opened(opened, new FakeHttpServer((r, ex) -> {
      if (r.body() != null && r.rpcMethod() == null) {
        empty(ex, 202); // the gateway's answer to the ping
      } else if ("tools/call".equals(r.rpcMethod())) {
        callWithPing(r, ex);
      } else if (!legacyHandshake(r, ex, "session-1")) {
        empty(ex, 202);
      }
    }));
    HttpUpstream up = upstream(server);
    up.call("tools/call", tracedTool("echo"), Upstream.CallOptions.of(Duration.ofSeconds(20))).await();
    up.notify("notifications/roots/list_changed", null);
    await().atMost(Duration.ofSeconds(20)).until(() -> byRequest(server).keySet(), k -> k.contains("POST response") && k.contains("GET"));
    up.close();

    Map<String, Map<String, String>> seen = byRequest(server);
    assertThat(seen.keySet()).containsExactlyInAnyOrder("POST server/discover", "POST initialize", "POST notifications/initialized", "GET",
        "POST tools/call", "POST response", "POST notifications/roots/list_changed", "DELETE");
    assertThat(seen.get("POST server/discover")).isEqualTo(headers("accept", BOTH, "content-type", "application/json",
        "mcp-protocol-version", "2026-07-28", "mcp-method", "server/discover"));
    assertThat(seen.get("POST initialize")).isEqualTo(headers("accept", BOTH, "content-type", "application/json"));
    Map<String, String> legacy = headers("accept", BOTH, "content-type", "application/json", "mcp-protocol-version", "2025-11-25", "mcp-session-id", "session-1");
    assertThat(seen.get("POST notifications/initialized")).isEqualTo(legacy);
    assertThat(seen.get("POST notifications/roots/list_changed")).isEqualTo(legacy);
    assertThat(seen.get("POST response")).isEqualTo(legacy);
    Map<String, String> traced = new TreeMap<>(legacy);
    traced.put("traceparent", TRACEPARENT);
    traced.put("tracestate", TRACESTATE);
    assertThat(seen.get("POST tools/call")).isEqualTo(traced);
    assertThat(seen.get("GET")).isEqualTo(headers("accept", "text/event-stream", "mcp-protocol-version", "2025-11-25", "mcp-session-id", "session-1"));
    assertThat(seen.get("DELETE")).isEqualTo(headers("mcp-protocol-version", "2025-11-25", "mcp-session-id", "session-1"));
  }

  @Test
  void aStatelessServerGetsExactlyTheseHeaders() throws Exception {
    FakeHttpServer server = opened(opened, new FakeHttpServer((r, ex) -> {
      if (r.body() != null && r.rpcMethod() == null) {
        empty(ex, 202);
      } else if ("server/discover".equals(r.rpcMethod())) {
        result(ex, r.body().get("id"), "{\"supportedVersions\":[\"2026-07-28\"],\"capabilities\":{},\"serverInfo\":{\"name\":\"m\",\"version\":\"1\"}}", Map.of());
      } else if ("tools/call".equals(r.rpcMethod())) {
        callWithPing(r, ex);
      } else {
        empty(ex, 202);
      }
    }));
    HttpUpstream up = upstream(server);
    up.call("tools/call", tracedTool("echo"), Upstream.CallOptions.of(Duration.ofSeconds(20))).await();
    up.notify("notifications/roots/list_changed", null);
    await().atMost(Duration.ofSeconds(20)).until(() -> byRequest(server).containsKey("POST response"));
    up.close();

    Map<String, Map<String, String>> seen = byRequest(server);
    assertThat(seen.keySet()).containsExactlyInAnyOrder("POST server/discover", "POST tools/call", "POST response", "POST notifications/roots/list_changed");
    Map<String, String> stateless = headers("accept", BOTH, "content-type", "application/json", "mcp-protocol-version", "2026-07-28");
    assertThat(seen.get("POST server/discover")).isEqualTo(with(stateless, "mcp-method", "server/discover"));
    assertThat(seen.get("POST tools/call")).isEqualTo(with(with(with(with(stateless, "mcp-method", "tools/call"), "mcp-name", "echo"), "traceparent", TRACEPARENT), "tracestate", TRACESTATE));
    assertThat(seen.get("POST notifications/roots/list_changed")).isEqualTo(with(stateless, "mcp-method", "notifications/roots/list_changed"));
    assertThat(seen.get("POST response")).isEqualTo(stateless);
  }

  private static Map<String, String> with(Map<String, String> m, String name, String value) {
    Map<String, String> r = new TreeMap<>(m);
    r.put(name, value);
    return r;
  }
}
