package dev.bastion.jsonrpc;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding and re-encoding a typical tools/call request and its answer: the codec's share of every
 * exchange. The {@code *Databind} twins are the way the codec worked before it wrote and read with
 * the streaming API ({@code readTree} + {@code fromTree}, {@code writeValueAsBytes(toTree(m))}),
 * kept for the A/B: run with {@code -prof gc} for bytes per operation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBench {
  private final JsonRpcCodec codec = new JsonRpcCodec(JsonRpcLimits.DEFAULT);
  private final byte[] call =
      ("{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"tools/call\",\"params\":{\"name\":\"files__read_file\","
              + "\"arguments\":{\"path\":\"notes/q3-plan.md\",\"max_bytes\":65536},"
              + "\"_meta\":{\"progressToken\":\"p-42\"}}}")
          .getBytes(StandardCharsets.UTF_8);
  private final byte[] answer =
      ("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"# Q3 plan\\n\\n"
              + "- ship the gateway \\u2014 \\\"zero trust\\\" for agents\\n- caf\u00e9 at 9:30\\n\"}],"
              + "\"structuredContent\":{\"lines\":3,\"bytes\":1234,\"ratio\":0.25},\"isError\":false,"
              + "\"_meta\":{\"io.modelcontextprotocol/related\":{\"a\":[1,2,3]}}}}")
          .getBytes(StandardCharsets.UTF_8);

  @Benchmark
  public JsonRpcMessage decode() throws JsonRpcException {
    return codec.decode(call);
  }

  @Benchmark
  public byte[] roundTrip() throws JsonRpcException {
    return codec.encode(codec.decode(call));
  }

  @Benchmark
  public byte[] answerRoundTrip() throws JsonRpcException {
    return codec.encode(codec.decode(answer));
  }

  @Benchmark
  public JsonRpcMessage decodeDatabind() throws JsonRpcException {
    return codec.fromTree(codec.mapper().readTree(call));
  }

  @Benchmark
  public byte[] roundTripDatabind() throws JsonRpcException {
    return codec.mapper().writeValueAsBytes(codec.toTree(codec.fromTree(codec.mapper().readTree(call))));
  }

  @Benchmark
  public byte[] answerRoundTripDatabind() throws JsonRpcException {
    return codec.mapper().writeValueAsBytes(codec.toTree(codec.fromTree(codec.mapper().readTree(answer))));
  }
}
