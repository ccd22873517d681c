package dev.bastion.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.gateway.ConfigChecks;
import dev.bastion.gateway.Gateway;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smoke mode of the load benchmark, in CI so that it cannot rot: the mock upstream and the
 * benchmark's Bastion configurations (bench/configs/min.yaml, min-otel.yaml and full.yaml, as they
 * are; min-otel.yaml's and full.yaml's exports reach the benchmark's OTLP sink) answer a
 * whole session correctly in both eras through the benchmark's own client. nginx and mcp-proxy
 * need installs, so they are covered by {@code bench/run.sh --smoke}, not here. No figures are
 * asserted.
 */
class BenchSmokeTest {
  @TempDir static Path dir;
  static MockUpstream mock;
  static OtlpSink sink;

  @BeforeAll
  static void startMock() throws Exception {
    mock = MockUpstream.start("127.0.0.1", 0);
    sink = OtlpSink.start("127.0.0.1", 0);
  }

  @AfterAll
  static void stopMock() {
    mock.close();
    sink.close();
  }

  @Test
  void theMockAnswersBothErasDirectly() throws Exception {
    new BenchClient(mock.url(), null).check(MockUpstream.TOOL, 5, true);
  }

  @Test
  void bastionWithNoProtectionsForwardsEveryCall() throws Exception {
    try (Gateway g = Gateway.start(load("min.yaml"))) {
      new BenchClient(g.mcpUrl(), null).check("mock__echo", 5, true);
    }
  }

  @Test
  void bastionWithTelemetryOnForwardsEveryCallAndExportsToTheSink() throws Exception {
    BastionConfig config = load("min-otel.yaml");
    assertThat(config.telemetry().tracing()).isTrue();
    assertThat(load("min.yaml").telemetry().tracing()).as("the pair's other half has tracing off").isFalse();
    try (Gateway g = Gateway.start(config)) {
      new BenchClient(g.mcpUrl(), null).check("mock__echo", 5, true);
    }
    // closing the gateway flushes the batched spans (and a last metrics push) to the sink
    assertThat(sink.requests()).as("OTLP exports that reached the sink").isGreaterThanOrEqualTo(1);
    assertThat(sink.bytes()).isGreaterThan(0);
  }

  @Test
  void bastionWithTheFullPipelineForwardsAnAllowedCallAndRefusesAWrongKey() throws Exception {
    BastionConfig config = load("full.yaml");
    assertThat(config.policy().rules()).hasSizeGreaterThanOrEqualTo(1000);
    assertThat(config.telemetry().tracing()).as("the full pipeline traces every request").isTrue();
    long exportsBefore = sink.requests();
    try (Gateway g = Gateway.start(config)) {
      new BenchClient(g.mcpUrl(), "bench-key").check("mock__echo", 5, true);
      assertThatThrownBy(() -> new BenchClient(g.mcpUrl(), "wrong-key").openSession())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("HTTP 401");
    }
    assertThat(sink.requests()).as("the full pipeline's spans reached the sink").isGreaterThan(exportsBefore);
  }

  private static BastionConfig load(String name) {
    Map<String, String> env =
        Map.of(
            "BENCH_LISTEN", "127.0.0.1:0",
            "BENCH_ADMIN", "127.0.0.1:0",
            "BENCH_DATA", dir.resolve(name + "-data").toString(),
            "BENCH_MOCK_URL", mock.url(),
            "BENCH_OTLP_URL", sink.url());
    ConfigResult loaded = ConfigLoader.load(Path.of("bench/configs", name), env::get);
    assertThat(loaded).as("bench/configs/%s loads", name).isInstanceOf(ConfigResult.Ok.class);
    ConfigResult checked = ConfigChecks.check(((ConfigResult.Ok) loaded).config());
    assertThat(checked).as("bench/configs/%s passes the gateway's checks", name).isInstanceOf(ConfigResult.Ok.class);
    return ((ConfigResult.Ok) checked).config();
  }
}
