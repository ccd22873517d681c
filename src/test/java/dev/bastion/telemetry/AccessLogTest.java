package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bastion.config.TelemetryConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The access log never blocks a request: a stuck sink fills the bounded queue, then lines are dropped and counted. */
class AccessLogTest {

  @Test
  void aStuckSinkMakesOfferDropAndCountInsteadOfBlocking() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch firstTaken = new CountDownLatch(1);
    List<String> written = new CopyOnWriteArrayList<>();
    AccessLog log = new AccessLog(TelemetryConfig.LogFormat.JSON, line -> {
      firstTaken.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      written.add(line);
    });
    log.offer("first");
    assertThat(firstTaken.await(30, TimeUnit.SECONDS)).isTrue(); // the writer is now stuck in the sink
    int extra = 100;
    for (int i = 0; i < AccessLog.CAPACITY + extra; i++) {
      log.offer("line " + i);
    }
    assertThat(log.dropped()).isEqualTo(extra);
    release.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> written.size() >= AccessLog.CAPACITY + 2);
    assertThat(written).anySatisfy(l -> assertThat(l).contains("\"dropped\":" + extra));
    assertThat(written).contains("first", "line 0", "line " + (AccessLog.CAPACITY - 1)).doesNotContain("line " + AccessLog.CAPACITY);
    log.close();
  }

  @Test
  void closeWritesWhatIsQueued() {
    List<String> written = new CopyOnWriteArrayList<>();
    AccessLog log = new AccessLog(TelemetryConfig.LogFormat.TEXT, written::add);
    for (int i = 0; i < 500; i++) {
      log.offer("l" + i);
    }
    log.close();
    assertThat(written).hasSize(500).startsWith("l0").endsWith("l499");
  }

  @Test
  void standardErrorModeWritesWholeLinesABatchAtATime() {
    List<String> blocks = new CopyOnWriteArrayList<>();
    AccessLog log = AccessLog.inBlocks(TelemetryConfig.LogFormat.JSON, blocks::add);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      log.offer("{\"n\":" + i + "}");
      expected.append("{\"n\":").append(i).append("}\n");
    }
    log.close();
    assertThat(blocks).allSatisfy(b -> assertThat(b).endsWith("\n").doesNotStartWith("\n"));
    assertThat(String.join("", blocks)).isEqualTo(expected.toString());
    assertThat(blocks.size()).as("at most 256 lines per write").isBetween(4, 1000);
  }
}
