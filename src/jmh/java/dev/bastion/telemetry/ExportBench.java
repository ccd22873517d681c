package dev.bastion.telemetry;

import dev.bastion.bench.OtlpSink;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The exporter side of tracing: CPU time per span to encode and send batches of spans shaped like
 * the gateway's (a SERVER span and its CLIENT child with the attributes the stages set) over
 * OTLP/HTTP to the benchmark's discarding sink in the same JVM, summed over the exporting threads
 * (the caller, the sender's threads), the sink's own threads left out. The sender is the gateway's
 * ({@link Http1Sender}, {@code helidon}, the default) or the SDK's JDK {@code HttpClient} sender
 * ({@code jdk}).
 *
 * <pre>
 *   java -cp ... dev.bastion.telemetry.ExportBench [batch size] [seconds] [helidon|jdk]
 * </pre>
 */
public final class ExportBench {
  private ExportBench() {}

  public static void main(String[] args) throws Exception {
    int batchSize = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    String sender = args.length > 2 ? args[2] : "helidon";
    List<SpanData> batch = spans(batchSize);
    try (OtlpSink sink = OtlpSink.start("127.0.0.1", 0)) {
      var builder = OtlpHttpSpanExporter.builder().setEndpoint(sink.url() + "/v1/traces");
      if (!sender.equals("jdk")) {
        // platform threads, so that the sender's CPU is told apart from the sink's (virtual threads on the common carriers)
        builder.setComponentLoader(Http1Sender.COMPONENTS)
            .setExecutorService(java.util.concurrent.Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("helidon-sender").daemon().unstarted(r)));
      }
      SpanExporter exporter = builder.build();
      var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) { // warm-up
        exporter.export(batch).join(10, TimeUnit.SECONDS);
      }
      Map<String, Long> before = cpuByGroup(threads);
      int exports = 0;
      end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        CompletableResultCode r = exporter.export(batch).join(10, TimeUnit.SECONDS);
        if (!r.isSuccess()) {
          throw new IllegalStateException("export failed");
        }
        exports++;
      }
      Map<String, Long> after = cpuByGroup(threads);
      long spans = (long) exports * batchSize;
      long total = 0;
      StringBuilder parts = new StringBuilder();
      for (Map.Entry<String, Long> e : after.entrySet()) {
        long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
        if (e.getKey().equals("sink") || e.getKey().equals("jvm")) {
          continue;
        }
        total += d;
        parts.append(String.format(" %s=%.0f", e.getKey(), d / (double) spans));
      }
      System.out.printf("sender=" + sender + " batch=%d exports=%d bytes_per_span=%d cpu_ns_per_span=%.0f (%s )%n",
          batchSize, exports, sink.bytes() / Math.max(1, sink.requests()) / batchSize, total / (double) spans, parts.toString().trim());
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  /** CPU time of the live threads, grouped: the sink's, the JVM's own (JIT, GC), and the rest by name. */
  private static Map<String, Long> cpuByGroup(com.sun.management.ThreadMXBean threads) {
    Map<String, Long> groups = new TreeMap<>();
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      String name = info.getThreadName();
      String group =
          name.startsWith("ForkJoinPool") || name.startsWith("HTTP-Dispatcher") || name.contains("server-timer") ? "sink"
              : name.startsWith("C1 ") || name.startsWith("C2 ") || name.startsWith("VM ") || name.startsWith("GC") ? "jvm"
              : name.replaceAll("[0-9]+", "#");
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu > 0) {
        groups.merge(group, cpu, Long::sum);
      }
    }
    return groups;
  }

  /** {@code n} spans shaped like the gateway's: SERVER spans with their CLIENT children. */
  private static List<SpanData> spans(int n) {
    List<SpanData> out = new ArrayList<>();
    SpanExporter capture =
        new SpanExporter() {
          @Override
          public CompletableResultCode export(Collection<SpanData> spans) {
            out.addAll(spans);
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
        };
    try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(capture)).build()) {
      Tracer tracer = provider.get(Telemetry.SCOPE, "bench");
      Attributes client =
          Attributes.builder().put(SemConv.MCP_METHOD_NAME, "tools/call").put(SemConv.UPSTREAM, "mock").put(SemConv.GEN_AI_TOOL_NAME, "echo")
              .put(SemConv.GEN_AI_OPERATION_NAME, "execute_tool").put(SemConv.NETWORK_TRANSPORT, "tcp").put(SemConv.NETWORK_PROTOCOL_NAME, "http")
              .put(SemConv.SERVER_ADDRESS, "127.0.0.1").put(SemConv.SERVER_PORT, 18101L).build();
      for (int i = 0; out.size() < n; i++) {
        Span server =
            tracer.spanBuilder("tools/call mock__echo").setSpanKind(SpanKind.SERVER)
                .setAllAttributes(Attributes.builder().put(SemConv.MCP_METHOD_NAME, "tools/call").put(SemConv.NETWORK_TRANSPORT, "tcp")
                    .put(SemConv.MCP_PROTOCOL_VERSION, "2025-11-25").put(SemConv.GEN_AI_TOOL_NAME, "mock__echo")
                    .put(SemConv.GEN_AI_OPERATION_NAME, "execute_tool").put(SemConv.NETWORK_PROTOCOL_NAME, "http")
                    .put(SemConv.SERVER_ADDRESS, "127.0.0.1").put(SemConv.SERVER_PORT, 18104L).put(SemConv.ERA, "legacy")
                    .put(SemConv.EXCHANGE_ID, String.format("%032x", i)).put(SemConv.CLIENT_ADDRESS, "127.0.0.1")
                    .put(SemConv.UPSTREAM, "mock").put(SemConv.JSONRPC_REQUEST_ID, Integer.toString(i))
                    .put(SemConv.MCP_SESSION_ID, "0123456789abcdef0123456789abcdef").put(SemConv.DECISION, "allow").build())
                .startSpan();
        try (Scope s = server.makeCurrent()) {
          tracer.spanBuilder("tools/call echo").setSpanKind(SpanKind.CLIENT).setAllAttributes(client).startSpan().end();
        }
        server.end();
      }
    }
    return out.subList(0, n);
  }
}
