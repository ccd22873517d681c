package dev.bastion.pipeline;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * The pipeline's own cost: one exchange through {@code stages} no-op stages (each just proceeds)
 * and a terminal stage that answers. What is left is chaining, the per-stage bookkeeping and the
 * exchange record itself — the floor under every protection.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PipelineBench {
  @Param({"1", "8", "16"})
  int stages;

  private Pipeline pipeline;
  private JsonRpcMessage.Request call;
  private final Outcome answer = new Outcome.Success(JsonRpcCodec.nodes().objectNode().put("ok", true));

  @Setup
  public void setUp() {
    List<Stage> list = new ArrayList<>();
    for (int i = 0; i < stages; i++) {
      String name = "noop-" + i;
      list.add(new Stage() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public Outcome handle(Exchange exchange, Chain chain) {
          return chain.proceed(exchange);
        }
      });
    }
    list.add(new Stage() {
      @Override
      public String name() {
        return "terminal";
      }

      @Override
      public Outcome handle(Exchange exchange, Chain chain) {
        return answer;
      }
    });
    pipeline = new Pipeline(list);
    ObjectNode params = JsonRpcCodec.nodes().objectNode().put("name", "mock__echo");
    params.putObject("arguments").put("text", "hello");
    call = new JsonRpcMessage.Request(JsonRpcCodec.nodes().numberNode(42), "tools/call", params);
  }

  @Benchmark
  public Outcome run() {
    Exchange exchange =
        new Exchange(
            "0123456789abcdef0123456789abcdef",
            Instant.now(),
            Era.LEGACY,
            "2025-11-25",
            "127.0.0.1",
            Exchange.Credential.NONE,
            Principal.UNIDENTIFIED,
            "session",
            call,
            Target.GATEWAY,
            Exchange.NotificationSink.DISCARD,
            new ExchangeLog());
    return pipeline.run(exchange);
  }
}
