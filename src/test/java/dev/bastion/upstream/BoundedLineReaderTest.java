package dev.bastion.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BoundedLineReaderTest {

  private static BoundedLineReader reader(String text, int max) {
    return new BoundedLineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
  }

  private static String text(BoundedLineReader.Line line) {
    return new String(((BoundedLineReader.Line.Complete) line).bytes(), StandardCharsets.UTF_8);
  }

  @Test
  void linesAreSplitOnNewlineWithCarriageReturnsRemoved() throws Exception {
    BoundedLineReader r = reader("one\r\ntwo\nlast", 100);
    assertThat(text(r.next())).isEqualTo("one");
    assertThat(text(r.next())).isEqualTo("two");
    assertThat(text(r.next())).isEqualTo("last");
    assertThat(r.next()).isNull();
  }

  @Test
  void anOverlongLineIsDiscardedKeepingOnlyItsHeadAndTheNextLineIsIntact() throws Exception {
    BoundedLineReader r = reader("{\"id\":7,\"x\":\"" + "a".repeat(50_000) + "\"}\nnext\n", 1000);
    BoundedLineReader.Line line = r.next();
    assertThat(line).isInstanceOfSatisfying(BoundedLineReader.Line.Overlong.class, o -> {
      assertThat(o.length()).isEqualTo(50_015);
      assertThat(o.head()).hasSizeLessThanOrEqualTo(BoundedLineReader.HEAD_BYTES);
    });
    assertThat(text(r.next())).isEqualTo("next");
  }

  @Test
  void anEndlessLineIsConsumedWithoutHoldingItInMemory() throws Exception {
    long total = 512L * 1024 * 1024;
    InputStream endless = new InputStream() {
      long left = total;

      @Override
      public int read() {
        return left-- > 0 ? 'z' : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        java.util.Arrays.fill(b, off, off + n, (byte) 'z');
        left -= n;
        return n;
      }
    };
    BoundedLineReader.Line line = new BoundedLineReader(endless, 4096).next();
    assertThat(line).isInstanceOfSatisfying(BoundedLineReader.Line.Overlong.class, o -> assertThat(o.length()).isEqualTo(total));
  }

  @Test
  void theTopLevelIdIsFoundInTheHeadOfATruncatedMessageButNotANestedOne() {
    var m = new dev.bastion.jsonrpc.JsonRpcCodec(dev.bastion.jsonrpc.JsonRpcLimits.DEFAULT).mapper();
    assertThat(Protocol.topLevelId(m, "{\"jsonrpc\":\"2.0\",\"id\":12,\"result\":{\"text\":\"aaa".getBytes(StandardCharsets.UTF_8)).asLong()).isEqualTo(12);
    assertThat(Protocol.topLevelId(m, "{\"result\":{\"id\":5,\"text\":\"aaa".getBytes(StandardCharsets.UTF_8))).isNull();
  }
}
