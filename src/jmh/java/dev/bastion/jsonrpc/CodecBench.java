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

/** Decoding and re-encoding a typical tools/call request: the codec's share of every exchange. */
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

  @Benchmark
  public JsonRpcMessage decode() throws JsonRpcException {
    return codec.decode(call);
  }

  @Benchmark
  public byte[] roundTrip() throws JsonRpcException {
    return codec.encode(codec.decode(call));
  }
}
