package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
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
 * {@code telemetry.traces.min_phase_duration}: a phase shorter than the minimum gets no span of its
 * own, unless it refused. The minimum here is an hour, so no phase reaches it whatever the load.
 */
class PhaseSpanTest {
  @TempDir static Path dir;
  static GatewayFixture gw;

  @BeforeAll
  static void start() throws Exception {
    gw = new GatewayFixture(dir, "telemetry: { traces: { min_phase_duration: 1h } }", false);
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @BeforeEach
  void clear() {
    gw.spans.reset();
  }

  List<SpanData> spans() {
    return gw.spans.getFinishedSpanItems();
  }

  @Test
  void anAllowedCallOfShortPhasesIsTheServerAndClientSpansOnly() throws Exception {
    JsonNode r = gw.stateless("tools/call", "up__echo", "{\"name\":\"up__echo\",\"arguments\":{}}", Map.of());
    assertThat(r.has("result")).as(r.toString()).isTrue();
    assertThat(spans()).extracting(SpanData::getKind).containsExactlyInAnyOrder(SpanKind.SERVER, SpanKind.CLIENT);
    SpanData server = spans().stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
    // the decision is still on the server span
    assertThat(server.getAttributes().get(AttributeKey.stringKey("bastion.decision"))).isEqualTo("allow");
  }

  @Test
  void aDenialKeepsThePolicySpanAndItsEventHoweverShort() throws Exception {
    JsonNode r = gw.stateless("tools/call", "up__forbidden", "{\"name\":\"up__forbidden\",\"arguments\":{}}", Map.of());
    assertThat(r.path("error").path("data").path("reason").asString()).as(r.toString()).isEqualTo("policy_denied");
    List<SpanData> internal = spans().stream().filter(s -> s.getKind() == SpanKind.INTERNAL).toList();
    assertThat(internal).extracting(SpanData::getName).containsExactly("bastion.policy");
    SpanData policy = internal.getFirst();
    SpanData server = spans().stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
    assertThat(policy.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(policy.getTraceId()).isEqualTo(server.getTraceId());
    assertThat(policy.getStartEpochNanos()).isLessThanOrEqualTo(policy.getEndEpochNanos());
    assertThat(policy.getAttributes().get(AttributeKey.stringKey("bastion.decision"))).isEqualTo("deny");
    assertThat(policy.getEvents()).singleElement().satisfies(e -> assertThat(e.getName()).isEqualTo("bastion.policy.denied"));
  }
}
