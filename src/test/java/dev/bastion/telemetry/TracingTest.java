package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Spans of a real gateway: names, kinds, attributes and parent/child links for allowed, denied and
 * failed calls in both protocol eras, and W3C trace context from the agent (HTTP header or
 * {@code _meta}) arriving at stdio and HTTP upstreams.
 */
class TracingTest {
  static final String AGENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String AGENT_SPAN = "00f067aa0ba902b7";
  static final String TRACEPARENT = "00-" + AGENT_TRACE + "-" + AGENT_SPAN + "-01";

  @TempDir static Path dir;
  static GatewayFixture gw;

  @BeforeAll
  static void start() throws Exception {
    // every phase gets its span, however short (the default leaves out phases under 1 ms: PhaseSpanTest)
    gw = new GatewayFixture(dir, "telemetry: { traces: { min_phase_duration: 0ms } }", false);
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @BeforeEach
  void clear() {
    gw.spans.reset();
  }

  static String attr(SpanData s, String key) {
    return s.getAttributes().get(AttributeKey.stringKey(key));
  }

  List<SpanData> spans() {
    return gw.spans.getFinishedSpanItems();
  }

  SpanData only(SpanKind kind) {
    List<SpanData> found = spans().stream().filter(s -> s.getKind() == kind).toList();
    assertThat(found).as("%s spans in %s", kind, spans()).hasSize(1);
    return found.getFirst();
  }

  SpanData named(String name) {
    List<SpanData> found = spans().stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(found).as("spans named %s in %s", name, spans()).hasSize(1);
    return found.getFirst();
  }

  @Test
  void anAllowedStatelessCallIsAServerSpanWithPolicyAuditAndClientChildrenInTheAgentsTrace() throws Exception {
    JsonNode r = gw.stateless("tools/call", "up__echo", "{\"name\":\"up__echo\",\"arguments\":{}}", Map.of("traceparent", TRACEPARENT));
    assertThat(r.has("result")).as(r.toString()).isTrue();

    SpanData server = only(SpanKind.SERVER);
    assertThat(server.getName()).isEqualTo("tools/call up__echo");
    assertThat(server.getTraceId()).isEqualTo(AGENT_TRACE);
    assertThat(server.getParentSpanId()).isEqualTo(AGENT_SPAN);
    assertThat(attr(server, "mcp.method.name")).isEqualTo("tools/call");
    assertThat(attr(server, "gen_ai.tool.name")).isEqualTo("up__echo");
    assertThat(attr(server, "gen_ai.operation.name")).isEqualTo("execute_tool");
    assertThat(attr(server, "mcp.protocol.version")).isEqualTo("2026-07-28");
    assertThat(attr(server, "jsonrpc.request.id")).isNotBlank();
    assertThat(attr(server, "network.transport")).isEqualTo("tcp");
    assertThat(attr(server, "server.address")).isEqualTo("127.0.0.1");
    assertThat(server.getAttributes().get(AttributeKey.longKey("server.port"))).isNotNull();
    assertThat(attr(server, "bastion.agent.id")).isEqualTo("tester");
    assertThat(attr(server, "bastion.decision")).isEqualTo("allow");
    assertThat(attr(server, "mcp.session.id")).as("no session in the stateless era").isNull();
    assertThat(attr(server, "error.type")).isNull();
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

    SpanData policy = named("bastion.policy");
    assertThat(policy.getKind()).isEqualTo(SpanKind.INTERNAL);
    assertThat(policy.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(attr(policy, "bastion.decision")).isEqualTo("allow");
    assertThat(policy.getEvents()).isEmpty();
    assertThat(named("bastion.audit").getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(named("bastion.identify").getParentSpanId()).isEqualTo(server.getSpanId());

    SpanData client = only(SpanKind.CLIENT);
    assertThat(client.getName()).isEqualTo("tools/call echo");
    assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(client.getTraceId()).isEqualTo(AGENT_TRACE);
    assertThat(attr(client, "gen_ai.tool.name")).isEqualTo("echo");
    assertThat(attr(client, "network.transport")).isEqualTo("pipe");
    assertThat(attr(client, "bastion.upstream")).isEqualTo("up");

    // the stdio upstream received the client span's context in _meta
    JsonNode meta = TraceRecordingServer.JSON.readTree(r.path("result").path("content").path(0).path("text").asString());
    assertThat(meta.path("traceparent").asString()).isEqualTo("00-" + AGENT_TRACE + "-" + client.getSpanId() + "-01");

    // the audit record names the trace (sync durability: it is on disk before the response)
    String exchangeId = attr(server, "bastion.exchange.id");
    try (dev.bastion.audit.AuditStore store = dev.bastion.audit.AuditStores.openReadOnly(null, dir.resolve("data"))) {
      assertThat(store.read(1, 10_000)).filteredOn(a -> a.exchangeId().equals(exchangeId))
          .singleElement().satisfies(a -> assertThat(a.traceId()).isEqualTo(AGENT_TRACE));
    }
  }

  @Test
  void metaTraceparentInTheLegacyEraReachesTheHttpUpstreamAsAHeaderAndInMeta() throws Exception {
    String session = gw.legacySession();
    gw.spans.reset();
    String otherTrace = "0af7651916cd43dd8448eb211c80319c";
    String metaParent = "00-" + otherTrace + "-b7ad6b7169203331-01";
    int before = gw.web.toolCallHeaders.size();
    JsonNode r =
        gw.legacy(session, "tools/call", "{\"name\":\"web__echo\",\"arguments\":{},\"_meta\":{\"traceparent\":\"" + metaParent + "\"}}",
            Map.of("traceparent", TRACEPARENT));
    assertThat(r.has("result")).as(r.toString()).isTrue();

    SpanData server = only(SpanKind.SERVER);
    assertThat(server.getTraceId()).as("_meta wins over the HTTP header").isEqualTo(otherTrace);
    assertThat(server.getParentSpanId()).isEqualTo("b7ad6b7169203331");
    assertThat(attr(server, "mcp.session.id")).isEqualTo(session);
    assertThat(attr(server, "mcp.protocol.version")).isEqualTo("2025-11-25");
    SpanData client = only(SpanKind.CLIENT);
    assertThat(attr(client, "network.transport")).isEqualTo("tcp");
    assertThat(attr(client, "server.address")).isEqualTo("127.0.0.1");

    String expected = "00-" + otherTrace + "-" + client.getSpanId() + "-01";
    assertThat(gw.web.toolCallHeaders).hasSize(before + 1);
    assertThat(gw.web.toolCallHeaders.getLast()).containsEntry("traceparent", expected);
    JsonNode meta = TraceRecordingServer.JSON.readTree(r.path("result").path("content").path(0).path("text").asString());
    assertThat(meta.path("traceparent").asString()).isEqualTo(expected);
  }

  @Test
  void aMalformedTraceparentStartsANewTraceAndIsNotForwarded() throws Exception {
    JsonNode r =
        gw.stateless("tools/call", "up__echo", "{\"name\":\"up__echo\",\"arguments\":{},\"_meta\":{\"traceparent\":\"00-zz\\r\\nX: y\"}}", Map.of());
    SpanData server = only(SpanKind.SERVER);
    assertThat(server.getParentSpanContext().isValid()).isFalse();
    SpanData client = only(SpanKind.CLIENT);
    JsonNode meta = TraceRecordingServer.JSON.readTree(r.path("result").path("content").path(0).path("text").asString());
    assertThat(meta.path("traceparent").asString()).startsWith("00-" + server.getTraceId() + "-" + client.getSpanId() + "-").doesNotContain("zz");
  }

  @Test
  void aDeniedCallEndsInTheServerSpanWithAnEventAndNeverReachesTheUpstream() throws Exception {
    for (boolean legacy : List.of(false, true)) {
      String session = legacy ? gw.legacySession() : null;
      gw.spans.reset();
      JsonNode r =
          legacy
              ? gw.legacy(session, "tools/call", "{\"name\":\"up__forbidden\",\"arguments\":{}}", Map.of())
              : gw.stateless("tools/call", "up__forbidden", "{\"name\":\"up__forbidden\",\"arguments\":{}}", Map.of());
      assertThat(r.path("error").path("data").path("reason").asString()).as(r.toString()).isEqualTo("policy_denied");

      SpanData server = only(SpanKind.SERVER);
      assertThat(server.getName()).isEqualTo("tools/call up__forbidden");
      assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(attr(server, "error.type")).isEqualTo("policy_denied");
      assertThat(attr(server, "rpc.response.status_code")).isNotBlank();
      assertThat(attr(server, "bastion.decision")).isEqualTo("deny");
      assertThat(server.getEvents()).extracting(EventData::getName).containsExactly("bastion.refused");
      assertThat(server.getEvents().getFirst().getAttributes().get(AttributeKey.stringArrayKey("bastion.rule_ids"))).containsExactly("no-forbidden");

      SpanData policy = named("bastion.policy");
      assertThat(attr(policy, "bastion.decision")).isEqualTo("deny");
      assertThat(policy.getEvents()).singleElement().satisfies(e -> {
        assertThat(e.getName()).isEqualTo("bastion.policy.denied");
        assertThat(e.getAttributes().get(AttributeKey.stringKey("bastion.reason"))).isEqualTo("policy_denied");
        assertThat(e.getAttributes().get(AttributeKey.stringArrayKey("bastion.rule_ids"))).containsExactly("no-forbidden");
      });
      assertThat(spans()).noneMatch(s -> s.getKind() == SpanKind.CLIENT);
    }
  }

  @Test
  void aFailedUpstreamCallMarksBothTheClientAndTheServerSpan() throws Exception {
    for (boolean legacy : List.of(false, true)) {
      String session = legacy ? gw.legacySession() : null;
      gw.spans.reset();
      JsonNode r =
          legacy
              ? gw.legacy(session, "tools/call", "{\"name\":\"web__broken\",\"arguments\":{}}", Map.of())
              : gw.stateless("tools/call", "web__broken", "{\"name\":\"web__broken\",\"arguments\":{}}", Map.of());
      assertThat(r.path("error").path("code").asInt()).as(r.toString()).isEqualTo(-32000);

      SpanData server = only(SpanKind.SERVER);
      SpanData client = only(SpanKind.CLIENT);
      assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
      assertThat(client.getName()).isEqualTo("tools/call broken");
      for (SpanData s : List.of(server, client)) {
        assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(attr(s, "error.type")).isEqualTo("-32000");
      }
      assertThat(attr(server, "rpc.response.status_code")).isEqualTo("-32000");
      assertThat(attr(server, "bastion.decision")).isEqualTo("allow");
    }
  }

  @Test
  void gatewayAnsweredMethodsHaveNoClientSpanAndUnknownMethodsAreBounded() throws Exception {
    gw.stateless("tools/list", null, "{}", Map.of());
    assertThat(only(SpanKind.SERVER).getName()).isEqualTo("tools/list");
    assertThat(spans()).noneMatch(s -> s.getKind() == SpanKind.CLIENT);
    gw.spans.reset();
    gw.stateless("x/Bearer-abcdefghijklmnop0123456789", null, "{}", Map.of());
    SpanData server = only(SpanKind.SERVER);
    assertThat(server.getName()).isEqualTo("_OTHER");
    assertThat(attr(server, "mcp.method.name")).isEqualTo("_OTHER");
  }
}
