package dev.bastion.flow;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Flow control's tokeniser, the linear scan ({@link Fingerprints}) against the regexes it replaced
 * ({@link RegexFingerprints}, test code): on the load benchmark's argument and on a memo-like text.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokensBench {
  @Param({"short", "memo"})
  public String text;

  private String value;

  @org.openjdk.jmh.annotations.Setup
  public void setUp() {
    value = text.equals("short")
        ? "hello 1000000123"
        : "Board memo: the Atlas acquisition closes on 14 March at 41 million euros; do not share outside the deal team."
            + " Contact Mei Lin (mei.lin@example.com) for the data room password orchid-7741, see https://dr.example.com/atlas.";
  }

  @Benchmark
  public Set<String> scan() {
    return Fingerprints.tokens(value);
  }

  @Benchmark
  public Set<String> regex() {
    return RegexFingerprints.tokens(value);
  }
}
