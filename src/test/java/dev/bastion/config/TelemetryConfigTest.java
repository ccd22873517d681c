package dev.bastion.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code telemetry:} section: defaults, the one setting that turns tracing on, and its errors. */
class TelemetryConfigTest {

  @Test
  void absentMeansNoTracingPrometheusOnAndJsonLogs() {
    TelemetryConfig t = ConfigTesting.ok("listen: 127.0.0.1:1\n").telemetry();
    assertThat(t).isEqualTo(TelemetryConfig.DEFAULT);
    assertThat(t.tracing()).isFalse();
    assertThat(t.prometheus()).isTrue();
    assertThat(t.metrics()).isNull();
    assertThat(t.logFormat()).isEqualTo(TelemetryConfig.LogFormat.JSON);
  }

  @Test
  void anEndpointTurnsTracingOnAndGetsTheSignalPath() {
    TelemetryConfig t = ConfigTesting.ok(ConfigLoader.parse(
        "telemetry:\n  service_name: edge-gw\n  traces: { otlp: { endpoint: 'http://127.0.0.1:4318', headers: { x-api-key: '${env:KEY}' } } }\n"
            + "  metrics: { prometheus: false, otlp: { endpoint: 'http://c:4318/custom/path' }, interval: 10s }\n  logs: { format: text }\n",
        ConfigTesting.BASE, Map.of("KEY", "s3cret")::get)).telemetry();
    assertThat(t.tracing()).isTrue();
    assertThat(t.serviceName()).isEqualTo("edge-gw");
    assertThat(t.traces().endpoint()).isEqualTo(URI.create("http://127.0.0.1:4318/v1/traces"));
    assertThat(t.traces().headers().get("x-api-key").reveal()).isEqualTo("s3cret");
    assertThat(t.traces().toString()).doesNotContain("s3cret");
    assertThat(t.metrics().endpoint()).isEqualTo(URI.create("http://c:4318/custom/path"));
    assertThat(t.prometheus()).isFalse();
    assertThat(t.metricsInterval()).hasSeconds(10);
    assertThat(t.logFormat()).isEqualTo(TelemetryConfig.LogFormat.TEXT);
  }

  @Test
  void grpcTakesTheCollectorsAddressWithoutASignalPath() {
    TelemetryConfig t = ConfigTesting.ok(
        "telemetry:\n  traces: { otlp: { endpoint: 'http://c:4317', protocol: grpc } }\n"
            + "  metrics: { otlp: { endpoint: 'https://c:4317/', protocol: grpc, headers: { x-api-key: k } } }\n").telemetry();
    assertThat(t.traces().protocol()).isEqualTo(TelemetryConfig.Protocol.GRPC);
    assertThat(t.traces().endpoint()).isEqualTo(URI.create("http://c:4317"));
    assertThat(t.metrics().protocol()).isEqualTo(TelemetryConfig.Protocol.GRPC);
    assertThat(t.metrics().endpoint()).isEqualTo(URI.create("https://c:4317"));
    assertThat(ConfigTesting.ok("telemetry: { traces: { otlp: { endpoint: 'http://c:4318' } } }\n").telemetry().traces().protocol())
        .isEqualTo(TelemetryConfig.Protocol.HTTP_PROTOBUF);
  }

  @Test
  void aGrpcEndpointWithAPathIsRefusedWithTheReasonAndThePath() {
    ConfigError e = ConfigTesting.onlyError("telemetry:\n  traces:\n    otlp: { endpoint: 'http://c:4317/v1/traces', protocol: grpc }\n");
    assertThat(e.path()).isEqualTo("telemetry.traces.otlp.endpoint");
    assertThat(e.message()).contains("without a path").contains("4317");
    assertThat(e.line()).isEqualTo(3);
  }

  @Test
  void anUnknownProtocolIsRefusedWithTheChoices() {
    ConfigError e = ConfigTesting.onlyError("telemetry:\n  traces:\n    otlp: { endpoint: 'http://c:4317', protocol: http/json }\n");
    assertThat(e.path()).isEqualTo("telemetry.traces.otlp.protocol");
    assertThat(e.message()).contains("http/protobuf").contains("grpc").contains("http/json");
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "telemetry: { tracing: on }\n",
    "telemetry: { traces: { otlp: { protocol: http/protobuf } } }\n",
    "telemetry: { traces: { otlp: { endpoint: 'ftp://c' } } }\n",
    "telemetry: { traces: { otlp: { endpoint: 'http://c:4317', protocol: grpc2 } } }\n",
    "telemetry: { traces: { otlp: { endpoint: 'http://user:pw@c:4318' } } }\n",
    "telemetry: { metrics: { prometheus: maybe } }\n",
    "telemetry: { metrics: { interval: 10 } }\n",
    "telemetry: { logs: { format: xml } }\n",
    "telemetry: { service_name: 'has space' }\n",
    "telemetry: { traces: { sample_ratio: 1.5 } }\n",
    "telemetry: { traces: { sample_ratio: -0.1 } }\n",
    "telemetry: { traces: { sample_ratio: ten } }\n",
    "telemetry: { traces: { sample_ratio: [0.5] } }\n",
    "telemetry: { traces: { min_phase_duration: 5 } }\n",
    "telemetry: { traces: { min_phase_duration: soon } }\n"
  })
  void mistakesAreRejectedByBothTheLoaderAndTheSchema(String yaml) throws Exception {
    assertThat(ConfigTesting.invalid(yaml)).isNotEmpty();
    ConfigSchemaTest.loadSchema();
    assertThat(ConfigSchemaTest.schema.validate(ConfigSchemaTest.yamlToJson(yaml))).isNotEmpty();
  }

  @Test
  void theSchemaAcceptsAFullTelemetrySection() throws Exception {
    ConfigSchemaTest.loadSchema();
    String yaml = "telemetry:\n  traces: { otlp: { endpoint: 'http://127.0.0.1:4318', protocol: http/protobuf, headers: { a: b } }, sample_ratio: 0.25, min_phase_duration: 0ms }\n"
        + "  metrics: { prometheus: true, otlp: { endpoint: 'http://127.0.0.1:4317', protocol: grpc }, interval: 30s }\n  logs: { format: json }\n";
    assertThat(ConfigSchemaTest.schema.validate(ConfigSchemaTest.yamlToJson(yaml))).isEmpty();
    ConfigTesting.ok(yaml);
  }

  @Test
  void theSampleRatioDefaultsToEveryTraceAndTakesANumberFromZeroToOne() {
    assertThat(ConfigTesting.ok("telemetry: { traces: { otlp: { endpoint: 'http://c:4318' } } }\n").telemetry().sampleRatio()).isEqualTo(1.0);
    assertThat(ConfigTesting.ok("telemetry: { traces: { sample_ratio: 0.1 } }\n").telemetry().sampleRatio()).isEqualTo(0.1);
    assertThat(ConfigTesting.ok("telemetry: { traces: { sample_ratio: 0 } }\n").telemetry().sampleRatio()).isEqualTo(0.0);
    assertThat(ConfigTesting.ok("telemetry: { traces: { sample_ratio: 1 } }\n").telemetry().sampleRatio()).isEqualTo(1.0);
    assertThat(ConfigTesting.ok(ConfigLoader.parse("telemetry: { traces: { sample_ratio: '${env:R}' } }\n", ConfigTesting.BASE, Map.of("R", "0.5")::get))
        .telemetry().sampleRatio()).isEqualTo(0.5);
  }

  @Test
  void aSampleRatioAboveOneIsRefusedWithThePathAndLine() {
    ConfigError e = ConfigTesting.onlyError("telemetry:\n  traces:\n    sample_ratio: 2\n");
    assertThat(e.path()).isEqualTo("telemetry.traces.sample_ratio");
    assertThat(e.message()).contains("from 0 to 1").contains("2");
    assertThat(e.line()).isEqualTo(3);
  }

  @Test
  void phasesUnderOneMillisecondGetNoSpanByDefaultAndZeroRecordsEveryPhase() {
    assertThat(ConfigTesting.ok("listen: 127.0.0.1:1\n").telemetry().minPhaseDuration()).isEqualTo(Duration.ofMillis(1));
    assertThat(ConfigTesting.ok("telemetry: { traces: { min_phase_duration: 0ms } }\n").telemetry().minPhaseDuration()).isEqualTo(Duration.ZERO);
    assertThat(ConfigTesting.ok("telemetry: { traces: { min_phase_duration: 5ms } }\n").telemetry().minPhaseDuration()).isEqualTo(Duration.ofMillis(5));
  }
}
