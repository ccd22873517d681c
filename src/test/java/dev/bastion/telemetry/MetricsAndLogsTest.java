package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * After a scripted session (allowed, denied and failed calls in both eras, secrets in arguments
 * and in a method name), {@code /metrics} parses as Prometheus text with the expected series, and
 * every access line is JSON naming its trace, with no secret in it or in any span.
 */
class MetricsAndLogsTest {
  static final String PASSWORD = "hunter2-very-secret-value";
  static final String API_KEY = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345";
  static final String BEARER_IN_METHOD = "x/Bearer abcdefghijklmnop0123456789";

  @TempDir static Path dir;
  static GatewayFixture gw;
  static List<Sample> samples;
  static String metricsText;

  record Sample(String name, Map<String, String> labels, double value) {}

  @BeforeAll
  static void session() throws Exception {
    // The firewall only records secrets here, so they really pass through the gateway (to the
    // upstream and back): the point is that no log line, span or metric ever carries them.
    gw = new GatewayFixture(dir, "firewall: { actions: { secret: { request: record, response: record } } }", false);
    String secretArgs = "{\"password\":\"" + PASSWORD + "\",\"note\":\"use " + API_KEY + "\"}";
    gw.stateless("tools/call", "up__echo", "{\"name\":\"up__echo\",\"arguments\":" + secretArgs + "}", Map.of());
    gw.stateless("tools/call", "up__echo", "{\"name\":\"up__echo\",\"arguments\":{}}", Map.of());
    gw.stateless("tools/call", "up__forbidden", "{\"name\":\"up__forbidden\",\"arguments\":" + secretArgs + "}", Map.of());
    gw.stateless("tools/call", "web__broken", "{\"name\":\"web__broken\",\"arguments\":{}}", Map.of());
    gw.stateless(BEARER_IN_METHOD, null, "{}", Map.of());
    String session = gw.legacySession();
    gw.legacy(session, "tools/call", "{\"name\":\"web__echo\",\"arguments\":" + secretArgs + "}", Map.of());
    gw.legacy(session, "tools/list", "{}", Map.of());
    HttpResponse<String> metrics = gw.admin("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    metricsText = metrics.body();
    samples = parse(metricsText);
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  /** The Prometheus text exposition: {@code name{label="value",...} value} lines, comments skipped. */
  static List<Sample> parse(String text) {
    Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+\\S+)?$");
    Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    List<Sample> out = new ArrayList<>();
    for (String l : text.split("\n")) {
      if (l.isBlank() || l.startsWith("#")) {
        continue;
      }
      Matcher m = line.matcher(l);
      assertThat(m.matches()).as("a Prometheus sample line: %s", l).isTrue();
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher lm = label.matcher(m.group(2));
        while (lm.find()) {
          labels.put(lm.group(1), lm.group(2));
        }
      }
      out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return out;
  }

  static double value(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
        .mapToDouble(Sample::value)
        .sum();
  }

  @Test
  void operationDurationsAreHistogramsWithTheConventionsBucketsAndAttributes() {
    assertThat(value("mcp_server_operation_duration_seconds_count", Map.of("mcp_method_name", "tools/call", "gen_ai_tool_name", "up__echo")))
        .isEqualTo(2);
    assertThat(value("mcp_server_operation_duration_seconds_count", Map.of("mcp_method_name", "tools/call", "error_type", "policy_denied")))
        .isEqualTo(1);
    assertThat(value("mcp_server_operation_duration_seconds_count", Map.of("mcp_method_name", "_OTHER"))).isEqualTo(1);
    assertThat(samples).filteredOn(s -> s.name().equals("mcp_server_operation_duration_seconds_bucket"))
        .extracting(s -> s.labels().get("le")).contains("0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1.0", "2.0", "5.0", "10.0", "30.0", "60.0", "120.0", "300.0", "+Inf");
    assertThat(value("mcp_client_operation_duration_seconds_count", Map.of("mcp_method_name", "tools/call", "bastion_upstream", "up"))).isEqualTo(2);
    assertThat(value("mcp_client_operation_duration_seconds_count", Map.of("gen_ai_tool_name", "broken", "error_type", "-32000"))).isEqualTo(1);
    assertThat(value("mcp_client_operation_duration_seconds_count", Map.of("gen_ai_tool_name", "echo", "network_transport", "tcp"))).isEqualTo(1);
  }

  @Test
  void countersAndGaugesHaveTheirSeries() {
    // echo twice, broken, the unknown method (policy allows it; the dispatcher refuses it) and web echo
    assertThat(value("bastion_policy_decisions_total", Map.of("bastion_effect", "allow"))).isEqualTo(5);
    assertThat(value("bastion_policy_decisions_total", Map.of("bastion_effect", "deny", "bastion_reason", "policy_denied"))).isEqualTo(1);
    assertThat(value("bastion_audit_write_duration_seconds_count", Map.of())).isEqualTo(9);
    assertThat(value("bastion_sessions_active", Map.of())).isEqualTo(1);
    assertThat(value("bastion_upstream_health", Map.of("bastion_upstream", "up", "bastion_state", "ready"))).isEqualTo(1);
    assertThat(value("bastion_upstream_health", Map.of("bastion_upstream", "web", "bastion_state", "ready"))).isEqualTo(1);
    assertThat(samples).anyMatch(s -> s.name().equals("bastion_upstream_restarts_total") && s.labels().get("bastion_upstream").equals("up"));
    assertThat(samples).anyMatch(s -> s.name().equals("bastion_audit_backlog"));
    // the secrets in three calls' arguments were found (and, as configured here, only recorded)
    assertThat(samples).filteredOn(s -> s.name().equals("bastion_firewall_findings_total") && "record".equals(s.labels().get("bastion_action")))
        .extracting(Sample::value).isNotEmpty().allMatch(v -> v >= 1);
    assertThat(metricsText).doesNotContain(PASSWORD).doesNotContain(API_KEY).doesNotContain(GatewayFixture.KEY);
  }

  @Test
  void everyAccessLineIsJsonWithItsTraceAndNoSecret() {
    await().atMost(Duration.ofSeconds(30)).until(() -> gw.accessLines.size() >= 9);
    List<JsonNode> lines = new ArrayList<>();
    for (String l : gw.accessLines) {
      assertThat(l).doesNotContain(PASSWORD).doesNotContain(API_KEY).doesNotContain(GatewayFixture.KEY).doesNotContain("abcdefghijklmnop0123456789");
      lines.add(TraceRecordingServer.JSON.readTree(l));
    }
    List<String> traceIds = gw.spans.getFinishedSpanItems().stream().map(SpanData::getTraceId).toList();
    assertThat(lines).allSatisfy(j -> {
      assertThat(j.path("logger").asString()).isEqualTo("bastion.access");
      assertThat(j.path("exchange").asString()).isNotBlank();
      assertThat(traceIds).contains(j.path("trace_id").asString());
      assertThat(j.path("span_id").asString()).hasSize(16);
      assertThat(j.path("duration_ms").isNumber()).isTrue();
    });
    assertThat(lines).anySatisfy(j -> {
      assertThat(j.path("method").asString()).isEqualTo("tools/call");
      assertThat(j.path("target").asString()).isEqualTo("up__forbidden");
      assertThat(j.path("decision").asString()).isEqualTo("deny");
      assertThat(j.path("reason").asString()).isEqualTo("policy_denied");
      assertThat(j.path("rules").path(0).asString()).isEqualTo("no-forbidden");
      assertThat(j.path("agent").asString()).isEqualTo("tester");
    });
    assertThat(lines).anySatisfy(j -> assertThat(j.path("method").asString()).contains("[REDACTED"));
    assertThat(lines).anySatisfy(j -> {
      assertThat(j.path("target").asString()).isEqualTo("web__broken");
      assertThat(j.path("outcome").asString()).isEqualTo("upstream_error");
      assertThat(j.path("code").asInt()).isEqualTo(-32000);
    });
  }

  @Test
  void noSpanCarriesASecret() {
    for (SpanData s : gw.spans.getFinishedSpanItems()) {
      String all = s.getName() + s.getAttributes() + s.getEvents();
      assertThat(all).doesNotContain(PASSWORD).doesNotContain(API_KEY).doesNotContain(GatewayFixture.KEY).doesNotContain("abcdefghijklmnop0123456789");
    }
  }

  @Test
  void readyzSaysWhatIsReadyAndListsWhatIsNot() throws Exception {
    HttpResponse<String> r = gw.admin("/readyz");
    JsonNode body = TraceRecordingServer.JSON.readTree(r.body());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(body.path("ready").asBoolean()).isTrue();
    assertThat(body.path("not_ready").isArray()).isTrue();
    assertThat(body.path("not_ready")).isEmpty();
    assertThat(body.path("checks").propertyNames()).contains("config", "upstream:up", "upstream:web", "audit");
  }
}
