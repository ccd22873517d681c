package dev.bastion.telemetry;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.BastionConfig;
import dev.bastion.gateway.ConfigChecks;
import dev.bastion.config.ConfigError;
import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.Gateway;
import dev.bastion.testing.ElicitingServer;
import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Spans of the requests an upstream sends during an agent's call, through a real gateway and a
 * stdio server that asks its client for a sampling during {@code tools/call}: the request the
 * gateway receives is a SERVER span and its relay to the agent a CLIENT child, both in the agent
 * call's trace (under the CLIENT span of the call to the upstream); the agent receives the CLIENT
 * span's context in {@code params._meta.traceparent}. A request the firewall blocks has the refusal
 * event and no child; one a 2026-07-28 agent cannot take is refused in the same trace. With
 * tracing off no context is added and the measurements are still taken.
 */
class RelaySpanTest {
  static final String KEY = "relay-span-key-0123456789";
  static final String ANSWER = "{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"The release adds relaying.\"},"
      + "\"model\":\"test-model\",\"stopReason\":\"endTurn\"}";

  @TempDir Path dir;
  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final InMemoryMetricReader metrics = InMemoryMetricReader.create();
  final List<String> lines = new CopyOnWriteArrayList<>();
  Gateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private McpWire start(boolean tracing) throws Exception {
    String yaml =
        """
        listen: 127.0.0.1:0
        admin: 127.0.0.1:0
        data_dir: ./data
        upstreams:
          srv: { command: %s, timeout: 20s }
          trouble: { command: %s, timeout: 20s }
        agents:
          alice: { keys: ["%s"], roles: [reader] }
        policy:
          default: deny
          rules:
            - { id: readers, effect: allow, when: "'reader' in agent.roles" }
        audit: { durability: batch }
        """
            .formatted(McpWire.JSON.writeValueAsString(GatewayExtension.javaCommand(ElicitingServer.class)),
                McpWire.JSON.writeValueAsString(GatewayExtension.javaCommand(dev.bastion.testing.TroubleServer.class)), GatewayExtension.digest(KEY));
    Path file = dir.resolve("bastion.yaml");
    Files.writeString(file, yaml);
    BastionConfig config =
        switch (ConfigChecks.load(file)) {
          case ConfigResult.Ok ok -> ok.config();
          case ConfigResult.Invalid bad -> throw new AssertionError(bad.errors().stream().map(ConfigError::describe).toList());
        };
    gateway = Gateway.start(config, new Telemetry.Exporters(tracing ? spans : null, metrics, lines::add, true));
    return new McpWire(java.net.URI.create(gateway.mcpUrl()), KEY);
  }

  static String attr(SpanData s, String key) {
    return s.getAttributes().get(AttributeKey.stringKey(key));
  }

  private SpanData await(Predicate<SpanData> match, String what) {
    Awaitility.await(what).atMost(Duration.ofSeconds(30)).until(() -> spans.getFinishedSpanItems().stream().anyMatch(match));
    List<SpanData> found = spans.getFinishedSpanItems().stream().filter(match).toList();
    assertThat(found).as(what).hasSize(1);
    return found.getFirst();
  }

  private static Predicate<SpanData> span(String name, SpanKind kind) {
    return s -> s.getName().equals(name) && s.getKind() == kind;
  }

  /** Nothing the server or the agent wrote is in a span: no attribute or event value carries content. */
  private void noContent(String... texts) {
    for (SpanData s : spans.getFinishedSpanItems()) {
      String all = s.getAttributes().toString() + s.getEvents();
      for (String t : texts) {
        assertThat(all).as(s.getName()).doesNotContain(t);
      }
    }
  }

  @Test
  void aRelayedSamplingIsAServerSpanWithAClientChildInTheAgentCallsTraceAndItsContextReachesTheAgent() throws Exception {
    McpWire wire = start(true);
    wire.initialize(obj("{\"sampling\":{}}"));
    JsonNode relayed;
    try (McpWire.Stream stream = wire.callToolStreaming(301, "srv__sample_summary")) {
      relayed = stream.nextRequest("sampling/createMessage");
      wire.answer(relayed.get("id"), obj(ANSWER));
      assertThat(McpWire.toolText(stream.response(301))).isEqualTo("client answered: result " + ANSWER);
    }
    SpanData call = await(span("tools/call srv__sample_summary", SpanKind.SERVER), "the agent's call");
    SpanData upstreamCall = await(span("tools/call sample_summary", SpanKind.CLIENT), "the call to the upstream");
    SpanData received = await(span("sampling/createMessage", SpanKind.SERVER), "the request the upstream sent");
    SpanData sent = await(span("sampling/createMessage", SpanKind.CLIENT), "its relay to the agent");

    assertThat(received.getTraceId()).isEqualTo(call.getTraceId());
    assertThat(received.getParentSpanId()).as("parented on the call the upstream was serving").isEqualTo(upstreamCall.getSpanId());
    assertThat(attr(received, "mcp.method.name")).isEqualTo("sampling/createMessage");
    assertThat(attr(received, "bastion.upstream")).isEqualTo("srv");
    assertThat(attr(received, "bastion.during")).isEqualTo("tools/call");
    assertThat(attr(received, "network.transport")).isEqualTo("pipe");
    assertThat(attr(received, "jsonrpc.request.id")).startsWith("srv-");
    assertThat(attr(received, "error.type")).isNull();
    assertThat(received.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(received.getEvents()).isEmpty();

    assertThat(sent.getTraceId()).isEqualTo(call.getTraceId());
    assertThat(sent.getParentSpanId()).isEqualTo(received.getSpanId());
    assertThat(attr(sent, "mcp.method.name")).isEqualTo("sampling/createMessage");
    assertThat(attr(sent, "mcp.session.id")).isEqualTo(wire.sessionId());
    assertThat(attr(sent, "jsonrpc.request.id")).isEqualTo(relayed.get("id").asString());
    assertThat(attr(sent, "network.transport")).isEqualTo("tcp");
    assertThat(attr(sent, "error.type")).isNull();

    // the agent received the CLIENT span's context, so its SDK can continue the trace
    assertThat(relayed.path("params").path("_meta").path("traceparent").asString(""))
        .startsWith("00-" + call.getTraceId() + "-" + sent.getSpanId() + "-")
        .endsWith(sent.getSpanContext().getTraceFlags().asHex());
    noContent("Summarise these release notes", "The release adds relaying");

    HistogramPointData received2 = point("mcp.server.operation.duration", "sampling/createMessage");
    assertThat(received2.getAttributes().get(AttributeKey.stringKey("bastion.upstream"))).isEqualTo("srv");
    HistogramPointData sent2 = point("mcp.client.operation.duration", "sampling/createMessage");
    assertThat(sent2.getCount()).isEqualTo(1);
  }

  @Test
  void aSamplingTheFirewallBlocksHasTheRefusalEventNoChildAndNoContent() throws Exception {
    McpWire wire = start(true);
    wire.initialize(obj("{\"sampling\":{}}"));
    try (McpWire.Stream stream = wire.callToolStreaming(302, "srv__sample_injection")) {
      assertThat(McpWire.toolText(stream.response(302))).startsWith("client answered: error -32003");
    }
    SpanData upstreamCall = await(span("tools/call sample_injection", SpanKind.CLIENT), "the call to the upstream");
    SpanData received = await(span("sampling/createMessage", SpanKind.SERVER), "the blocked request");
    assertThat(received.getParentSpanId()).isEqualTo(upstreamCall.getSpanId());
    assertThat(attr(received, "error.type")).isEqualTo("request_blocked");
    assertThat(attr(received, "rpc.response.status_code")).isEqualTo("-32003");
    assertThat(attr(received, "bastion.reason")).isEqualTo("request_blocked");
    assertThat(received.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(received.getEvents()).singleElement().satisfies(e -> {
      assertThat(e.getName()).isEqualTo("bastion.refused");
      assertThat(e.getAttributes().get(AttributeKey.stringKey("bastion.reason"))).isEqualTo("request_blocked");
    });
    assertThat(spans.getFinishedSpanItems()).noneMatch(span("sampling/createMessage", SpanKind.CLIENT));
    noContent("Ignore all previous instructions", "id_rsa", "instruction_override");
  }

  @Test
  void anAgentWithoutTheCapabilityIsNotAskedAndTheRefusalIsInTheCallsTrace() throws Exception {
    McpWire wire = start(true);
    wire.initialize(obj("{\"elicitation\":{}}"));
    try (McpWire.Stream stream = wire.callToolStreaming(303, "srv__sample_summary")) {
      assertThat(McpWire.toolText(stream.response(303))).startsWith("client answered: error -32601");
    }
    SpanData upstreamCall = await(span("tools/call sample_summary", SpanKind.CLIENT), "the call to the upstream");
    SpanData received = await(span("sampling/createMessage", SpanKind.SERVER), "the refused request");
    assertThat(received.getTraceId()).isEqualTo(upstreamCall.getTraceId());
    assertThat(received.getParentSpanId()).isEqualTo(upstreamCall.getSpanId());
    assertThat(attr(received, "error.type")).isEqualTo("method_not_found");
    assertThat(received.getEvents()).extracting(e -> e.getName()).containsExactly("bastion.refused");
  }

  @Test
  void aStatelessAgentsCallGetsTheRefusedRequestInItsTrace() throws Exception {
    McpWire wire = start(true);
    McpWire.Reply reply = wire.stateless("tools/call", obj("{\"name\":\"srv__sample_summary\",\"arguments\":{},"
        + "\"_meta\":{\"io.modelcontextprotocol/clientCapabilities\":{\"sampling\":{}}}}"));
    assertThat(McpWire.toolText(reply.message())).as(reply.body()).startsWith("client answered: error -32601");
    SpanData call = await(span("tools/call srv__sample_summary", SpanKind.SERVER), "the agent's call");
    SpanData upstreamCall = await(span("tools/call sample_summary", SpanKind.CLIENT), "the call to the upstream");
    SpanData received = await(span("sampling/createMessage", SpanKind.SERVER), "the refused request");
    assertThat(received.getTraceId()).isEqualTo(call.getTraceId());
    assertThat(received.getParentSpanId()).isEqualTo(upstreamCall.getSpanId());
    assertThat(attr(received, "error.type")).isEqualTo("method_not_found");
    assertThat(spans.getFinishedSpanItems()).noneMatch(span("sampling/createMessage", SpanKind.CLIENT));
  }

  @Test
  void withTracingOffTheRelayedRequestIsPassedOnAsBeforeAndTheDurationsAreStillMeasured() throws Exception {
    McpWire wire = start(false);
    wire.initialize(obj("{\"sampling\":{}}"));
    try (McpWire.Stream stream = wire.callToolStreaming(304, "srv__sample_summary")) {
      JsonNode relayed = stream.nextRequest("sampling/createMessage");
      assertThat(relayed.path("params").has("_meta")).as(relayed.toString()).isFalse();
      wire.answer(relayed.get("id"), obj(ANSWER));
      assertThat(McpWire.toolText(stream.response(304))).isEqualTo("client answered: result " + ANSWER);
    }
    gateway.telemetry().flush(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(spans.getFinishedSpanItems()).isEmpty();
    assertThat(point("mcp.server.operation.duration", "sampling/createMessage").getCount()).isEqualTo(1);
    assertThat(point("mcp.client.operation.duration", "sampling/createMessage").getCount()).isEqualTo(1);
  }

  @Test
  void progressIsCountedNotTracedAndTheCallsClientSpanCarriesTheTotal() throws Exception {
    McpWire wire = start(true);
    wire.initialize(obj("{}"));
    try (McpWire.Stream stream = wire.requestStreaming(305, "tools/call",
        obj("{\"name\":\"trouble__progress\",\"arguments\":{\"steps\":7},\"_meta\":{\"progressToken\":\"p-1\"}}"))) {
      assertThat(stream.awaitEnd()).filteredOn(m -> "notifications/progress".equals(m.path("method").asString(""))).hasSize(7);
    }
    SpanData upstreamCall = await(span("tools/call progress", SpanKind.CLIENT), "the call to the upstream");
    assertThat(upstreamCall.getAttributes().get(AttributeKey.longKey("bastion.progress.relayed"))).isEqualTo(7L);
    assertThat(spans.getFinishedSpanItems()).noneMatch(x -> x.getName().startsWith("notifications/progress"));
    assertThat(upstreamCall.getEvents()).isEmpty();
    assertThat(notifications("notifications/progress", "trouble")).isEqualTo(7);

    // other notifications are counted as the gateway receives them
    assertThat(McpWire.toolText(wire.request("tools/call", obj("{\"name\":\"trouble__add_tool\",\"arguments\":{}}")).message())).isNotNull();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> notifications("notifications/tools/list_changed", "trouble") == 1);
  }

  private long notifications(String method, String upstream) {
    return metrics.collectAllMetrics().stream().filter(d -> d.getName().equals("bastion.upstream.notifications"))
        .flatMap(d -> d.getLongSumData().getPoints().stream())
        .filter(p -> method.equals(p.getAttributes().get(AttributeKey.stringKey("mcp.method.name")))
            && upstream.equals(p.getAttributes().get(AttributeKey.stringKey("bastion.upstream"))))
        .mapToLong(p -> p.getValue()).sum();
  }

  private HistogramPointData point(String metric, String method) {
    AttributeKey<String> m = AttributeKey.stringKey("mcp.method.name");
    List<HistogramPointData> points =
        metrics.collectAllMetrics().stream().filter(d -> d.getName().equals(metric))
            .map(MetricData::getHistogramData).flatMap(h -> h.getPoints().stream())
            .filter(p -> method.equals(p.getAttributes().get(m))).toList();
    assertThat(points).as("%s points for %s", metric, method).hasSize(1);
    return points.getFirst();
  }
}
