package dev.bastion.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineReaderTest {

  private static LineReader reader(String input, int max) {
    return new LineReader(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), max);
  }

  private static String text(LineReader.Line line) {
    return new String(((LineReader.Line.Text) line).bytes(), StandardCharsets.UTF_8);
  }

  @Test
  void splitsOnNewlinesDropsCarriageReturnsAndSkipsBlankLines() throws Exception {
    LineReader reader = reader("one\r\n\n  \ntwo\nthree", 100);

    assertThat(text(reader.next())).isEqualTo("one");
    assertThat(text(reader.next())).isEqualTo("two");
    assertThat(text(reader.next())).isEqualTo("three");
    assertThat(reader.next()).isInstanceOf(LineReader.Line.End.class);
  }

  @Test
  void anOverlongLineIsReportedWithItsLengthAndReadingContinuesAfterIt() throws Exception {
    LineReader reader = reader("x".repeat(50_000) + "\nok\n", 1000);

    assertThat(reader.next()).isEqualTo(new LineReader.Line.TooLong(50_000));
    assertThat(text(reader.next())).isEqualTo("ok");
  }

  @Test
  void aLineOfExactlyTheLimitIsAccepted() throws Exception {
    LineReader reader = reader("y".repeat(1000) + "\r\n", 1000);

    assertThat(text(reader.next())).hasSize(1000);
  }
}
