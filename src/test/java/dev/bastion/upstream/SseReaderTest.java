package dev.bastion.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseReaderTest {

  private static SseReader sse(String text, int max) {
    return new SseReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
  }

  @Test
  void commentsAreSkippedAndMultiLineDataIsJoinedWithNewlines() throws Exception {
    SseReader r = sse(": ping\n\nevent: message\nid: 9\ndata: {\"a\":\ndata:1}\n\n", 1000);
    assertThat(r.next()).isInstanceOfSatisfying(SseReader.Item.Event.class, e -> {
      assertThat(e.type()).isEqualTo("message");
      assertThat(new String(e.data(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":\n1}");
    });
    assertThat(r.next()).isInstanceOf(SseReader.Item.End.class);
  }

  @Test
  void anEventWhoseDataGrowsPastTheLimitIsReportedTooLarge() throws Exception {
    SseReader r = sse("data: 0123456789\n".repeat(20) + "\n", 100);
    assertThat(r.next()).isInstanceOf(SseReader.Item.TooLarge.class);
  }

  @Test
  void anUnterminatedLastEventIsNotDelivered() throws Exception {
    assertThat(sse("data: {}\n", 100).next()).isInstanceOf(SseReader.Item.End.class);
  }
}
