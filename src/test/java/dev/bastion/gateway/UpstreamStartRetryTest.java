package dev.bastion.gateway;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import dev.bastion.testing.TroubleServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream whose launch fails does not stay dark until the next restart: the gateway
 * serves the others at once, retries the failed one with backoff, lists it once it is up and tells
 * connected agents their lists changed.
 */
class UpstreamStartRetryTest {
  static final String KEY = "retry-key";

  @TempDir Path tmp;

  @Test
  void anUpstreamThatFailsToStartIsRetriedListedAndAnnounced() throws Exception {
    Path allowed = tmp.resolve("allowed");
    GatewayExtension gw =
        GatewayExtension.builder()
            .demo("demo")
            .stdio("trouble", TroubleServer.class, "10s", "--fail-until", allowed.toString())
            .agent("alice", KEY, "reader")
            .allow("readers", "\"reader\" in agent.roles")
            .build();
    gw.start();
    try {
      assertThat(Files.exists(tmp.resolve("allowed.attempted"))).as("the first launch ran and failed").isTrue();
      McpWire legacy = gw.wire(KEY);
      legacy.initialize();
      try (McpWire.Stream get = legacy.openStream()) {
        assertThat(get.status()).isEqualTo(200);
        McpWire alice = gw.wire(KEY);
        assertThat(alice.stateless("tools/call", obj("{\"name\":\"demo__echo\",\"arguments\":{\"message\":\"demo serves\"}}")).result().toString()).contains("demo serves");
        assertThat(alice.stateless("tools/list", obj("{}")).result().toString()).doesNotContain("trouble__");
        Files.writeString(allowed, "the server may start now");
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> alice.stateless("tools/list", obj("{}")).result().toString().contains("trouble__echo"));
        assertThat(get.next(n -> n.path("method").asString().equals("notifications/tools/list_changed"))).isNotNull();
        assertThat(alice.stateless("tools/call", obj("{\"name\":\"trouble__echo\",\"arguments\":{\"message\":\"late but here\"}}")).result().toString())
            .contains("late but here");
      }
    } finally {
      gw.stop();
    }
  }
}
