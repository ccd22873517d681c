package dev.bastion.pipeline;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.federation.Catalog;
import dev.bastion.federation.RouteStage;
import dev.bastion.flow.FlowSessions;
import dev.bastion.flow.FlowStage;
import dev.bastion.identity.IdentifyStage;
import dev.bastion.inspect.RequestInspectionStage;
import dev.bastion.inspect.ResponseInspectionStage;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.limits.LimitStage;
import dev.bastion.mcp.SessionRegistry;
import dev.bastion.mcp.SessionStage;
import dev.bastion.policy.CompiledPolicy;
import dev.bastion.policy.PolicyCompiler;
import dev.bastion.policy.PolicyInput;
import dev.bastion.policy.PolicyStage;
import dev.bastion.policy.SessionFacts;
import dev.bastion.testing.ListingUpstream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.node.ObjectNode;

/**
 * The judging stages of the request path, as the benchmark configurations build them: identify,
 * session, limit, route, inspect-request, flow, decide, inspect-response, and a terminal stage that
 * answers the mock's echo result (no network, no codec, no audit or telemetry). One forwarded
 * {@code tools/call mock__echo} per operation with a unique argument, as bench/wrk/mcp.lua sends.
 * Run with {@code -prof gc} for the bytes these stages allocate per request:
 *
 * <pre>
 *   java -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" org.openjdk.jmh.Main RequestPathBench -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RequestPathBench {
  @Param({"full", "min"})
  String config;

  private Pipeline pipeline;
  private String sessionId;
  private Exchange.Credential credential;
  private long counter;

  @Setup
  public void setUp() {
    Map<String, String> env = Map.of(
        "BENCH_LISTEN", "127.0.0.1:0", "BENCH_ADMIN", "127.0.0.1:0", "BENCH_DATA", System.getProperty("java.io.tmpdir") + "/request-path-bench",
        "BENCH_MOCK_URL", "http://127.0.0.1:9/mcp", "BENCH_OTLP_URL", "http://127.0.0.1:9");
    BastionConfig cfg = switch (ConfigLoader.load(Path.of("bench/configs/" + config + ".yaml"), env::get)) {
      case ConfigResult.Ok ok -> ok.config();
      case ConfigResult.Invalid bad -> throw new IllegalStateException(bad.errors().toString());
    };
    CompiledPolicy policy = (CompiledPolicy) PolicyCompiler.compile(cfg.policy());
    Catalog catalog = new Catalog(List.of("mock"));
    catalog.refresh("mock", ListingUpstream.tools("mock", List.of(echoTool())), Duration.ofSeconds(5));
    SessionRegistry sessions = new SessionRegistry(cfg.limits().maxSessions(), cfg.limits().sessionIdleTimeout());
    FlowStage flow = new FlowStage(cfg.flow(), new FlowSessions(cfg.flow().maxSessions(), cfg.flow().sessionIdleTimeout()));
    IdentifyStage identify = IdentifyStage.fromConfig(cfg);
    credential = config.equals("full") ? new Exchange.Credential("Bearer", "bench-key") : Exchange.Credential.NONE;
    String agent = config.equals("full") ? "bench-agent" : "anyone";
    sessionId = sessions.create(agent, "2025-11-25").orElseThrow().id();
    Function<Exchange, SessionFacts> facts = exchange -> sessions.peek(exchange.sessionId(), exchange.principal().agentId())
        .map(s -> new SessionFacts(s.id(), s.callCount(), flow.labelsOf(exchange)))
        .orElse(new SessionFacts("", 0, flow.labelsOf(exchange)));
    Stage terminal = new Stage() {
      @Override
      public String name() {
        return "upstream";
      }

      @Override
      public Outcome handle(Exchange exchange, Chain chain) {
        ObjectNode result = JsonRpcCodec.nodes().objectNode();
        result.putArray("content").addObject().put("type", "text").put("text", exchange.params().path("arguments").path("text").asString(""));
        result.put("isError", false);
        return new Outcome.Success(result);
      }
    };
    pipeline = new Pipeline(List.of(
        identify,
        new SessionStage(sessions),
        new LimitStage(cfg.rateLimits()),
        new RouteStage(catalog),
        RequestInspectionStage.fromConfig(cfg.firewall()),
        flow,
        new PolicyStage(() -> policy, facts),
        new ResponseInspectionStage(cfg.firewall(), (exchange, findings) ->
            policy.decide(PolicyInput.of(exchange, facts.apply(exchange)).withResponseFindings(findings)).decision()),
        terminal));
    Outcome check = run();
    if (!(check instanceof Outcome.Success)) {
      throw new IllegalStateException("the benchmark call is not forwarded: " + check);
    }
  }

  @Benchmark
  public Outcome run() {
    long n = ++counter;
    ObjectNode params = JsonRpcCodec.nodes().objectNode().put("name", "mock__echo");
    params.putObject("arguments").put("text", "hello " + n);
    JsonRpcMessage.Request call = new JsonRpcMessage.Request(JsonRpcCodec.nodes().numberNode(n), "tools/call", params);
    Exchange exchange = new Exchange(
        "0123456789abcdef0123456789abcdef", Instant.now(), Era.LEGACY, "2025-11-25", "127.0.0.1", credential,
        Principal.UNIDENTIFIED, sessionId, call, Target.GATEWAY, Exchange.NotificationSink.DISCARD, new ExchangeLog());
    return pipeline.run(exchange);
  }

  /** The tool the benchmark's mock lists: echo, with one string argument. */
  private static ObjectNode echoTool() {
    ObjectNode tool = ListingUpstream.named("echo").put("description", "Echoes its text argument.");
    ObjectNode schema = tool.putObject("inputSchema").put("type", "object");
    schema.putObject("properties").putObject("text").put("type", "string");
    schema.putArray("required").add("text");
    return tool;
  }
}
