package dev.bastion.telemetry;

import dev.bastion.bench.OtlpSink;
import dev.bastion.config.HostPort;
import dev.bastion.config.TelemetryConfig;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Pipeline;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Stage;
import dev.bastion.pipeline.Target;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.node.ObjectNode;

/**
 * Telemetry's cost on the request path: one forwarded {@code tools/call} through the stages
 * telemetry adds or wraps (server span, the five phases, the upstream CLIENT span with trace
 * context injected into {@code _meta}), each wrapped stage doing nothing but what the telemetry
 * reads (a routed target, an allow decision, an upstream latency). {@code off} is
 * bench/configs/min.yaml's telemetry (no tracing, no metric reader); {@code on} is min-otel.yaml's
 * (every request traced through the batch processor, Prometheus reader, OTLP metrics push every
 * 10 s to an in-process sink). The batch processor's exporter discards, so the exporter thread's
 * protobuf encoding and sending are not in this figure (the load benchmark's per-thread CPU shows
 * them). Run with {@code -prof gc} for the allocation per call. On a shared, loaded machine JMH's
 * wall-clock scores are noise; {@link #main} measures the calling thread's CPU time and allocation
 * per call instead ({@code java -cp ... dev.bastion.telemetry.TelemetryBench on|off [seconds]}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TelemetryBench {
  @Param({"off", "on"})
  String telemetry;

  /** Spans go through the real OTLP/HTTP exporter to the sink instead of being discarded ({@link SpanMemoryBench}). */
  boolean exportToSink;

  private OtlpSink sink;
  private Telemetry tel;
  private Pipeline pipeline;
  private ObjectNode params;
  private final AtomicLong ids = new AtomicLong();
  private final Target target = new Target(Target.Kind.TOOL, "mock", "mock__echo", "echo", null);
  private final Outcome answer = new Outcome.Success(JsonRpcCodec.nodes().objectNode().put("ok", true));
  private final Decision allow = new Decision.Allow(List.of());

  /** Counts and drops what the batch processor hands over. */
  static final class Discard implements SpanExporter {
    final AtomicLong spans = new AtomicLong();

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      spans.addAndGet(batch.size());
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    sink = OtlpSink.start("127.0.0.1", 0);
    boolean on = telemetry.equals("on");
    // the endpoints as the configuration binding completes them (TelemetryBinding)
    TelemetryConfig.Otlp traces = new TelemetryConfig.Otlp(URI.create(sink.url() + "/v1/traces"), Map.of());
    TelemetryConfig.Otlp metrics = new TelemetryConfig.Otlp(URI.create(sink.url() + "/v1/metrics"), Map.of());
    TelemetryConfig config =
        new TelemetryConfig("bastion", on ? traces : null, on, on ? metrics : null, Duration.ofSeconds(10), TelemetryConfig.LogFormat.JSON);
    tel = Telemetry.start(config, "bench", new HostPort("127.0.0.1", 8080), new Telemetry.Exporters(on && !exportToSink ? new Discard() : null, null, line -> {}, false));
    UpstreamConfig mock = new UpstreamConfig.Http("mock", URI.create("http://127.0.0.1:9/mcp"), Map.of(), Duration.ofSeconds(30));
    Stage terminal = stage("upstream", (exchange, chain) -> {
      exchange.log().upstream(Duration.ofNanos(200_000), "ok");
      return answer;
    });
    pipeline =
        new Pipeline(
            List.of(
                tel.serverSpan(),
                tel.phase(Phase.AUDIT, stage("record", (exchange, chain) -> chain.proceed(exchange))),
                tel.phase(Phase.IDENTIFY, stage("identify", (exchange, chain) -> chain.proceed(exchange))),
                stage("route", (exchange, chain) -> {
                  exchange.log().target(target);
                  return chain.proceed(exchange.withTarget(target));
                }),
                tel.phase(Phase.INSPECTION, stage("inspect-request", (exchange, chain) -> chain.proceed(exchange))),
                tel.phase(Phase.POLICY, stage("decide", (exchange, chain) -> {
                  exchange.log().decision(allow);
                  return chain.proceed(exchange);
                })),
                tel.phase(Phase.RESPONSE_INSPECTION, stage("inspect-response", (exchange, chain) -> chain.proceed(exchange))),
                tel.upstreamCalls(terminal, name -> name.equals("mock") ? Optional.of(mock) : Optional.empty())));
    params = JsonRpcCodec.nodes().objectNode().put("name", "mock__echo");
    params.putObject("arguments").put("text", "hello");
  }

  long sinkRequests() {
    return sink.requests();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    tel.close();
    sink.close();
  }

  @Benchmark
  public Outcome forwardedCall() {
    long id = ids.incrementAndGet();
    JsonRpcMessage.Request call = new JsonRpcMessage.Request(JsonRpcCodec.nodes().numberNode(id), "tools/call", params);
    Exchange exchange =
        new Exchange(
            Long.toHexString(id),
            Instant.now(),
            Era.LEGACY,
            "2025-11-25",
            "127.0.0.1",
            Exchange.Credential.NONE,
            Principal.UNIDENTIFIED,
            "0123456789abcdef0123456789abcdef",
            call,
            Target.GATEWAY,
            Exchange.NotificationSink.DISCARD,
            new ExchangeLog());
    return pipeline.run(exchange);
  }

  /**
   * CPU time and allocation per call on the calling thread, robust to other load: warms for the
   * given seconds of this thread's CPU time, then prints ten rounds of 20,000 calls and their median.
   */
  public static void main(String[] args) throws Exception {
    var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    TelemetryBench b = new TelemetryBench();
    b.telemetry = args[0];
    long warmNanos = (args.length > 1 ? Long.parseLong(args[1]) : 20) * 1_000_000_000L;
    b.setUp();
    try {
      long until = threads.getCurrentThreadCpuTime() + warmNanos;
      while (threads.getCurrentThreadCpuTime() < until) {
        for (int i = 0; i < 1000; i++) {
          b.forwardedCall();
        }
      }
      int n = 20_000;
      double[] cpu = new double[10];
      double[] alloc = new double[10];
      for (int r = 0; r < cpu.length; r++) {
        long c0 = threads.getCurrentThreadCpuTime();
        long a0 = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < n; i++) {
          b.forwardedCall();
        }
        cpu[r] = (threads.getCurrentThreadCpuTime() - c0) / (double) n;
        alloc[r] = (threads.getCurrentThreadAllocatedBytes() - a0) / (double) n;
      }
      java.util.Arrays.sort(cpu);
      java.util.Arrays.sort(alloc);
      System.out.printf("telemetry=%s cpu_ns_per_call=%.0f (min %.0f max %.0f) alloc_bytes_per_call=%.0f%n", b.telemetry, cpu[5], cpu[0], cpu[9], alloc[5]);
    } finally {
      b.tearDown();
    }
  }

  private interface Handler {
    Outcome handle(Exchange exchange, Stage.Chain chain);
  }

  private static Stage stage(String name, Handler handler) {
    return new Stage() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Outcome handle(Exchange exchange, Chain chain) {
        return handler.handle(exchange, chain);
      }
    };
  }
}
