package dev.bastion.federation;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import dev.bastion.testing.RecordingHttpUpstream;
import dev.bastion.testing.TroubleServer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Federation through a real gateway with two stdio servers behind it (the demo server and {@link
 * TroubleServer}): one namespace of {@code <server>__<name>} tools and prompts, resources and
 * templates routed by URI, ids remapped under concurrency, progress and cancellation correlated to
 * the right call, and the per-upstream timeout applied.
 */
class FederationThroughGatewayTest {
  static final String KEY = "federation-key";

  @RegisterExtension
  static final GatewayExtension GW =
      GatewayExtension.builder()
          .demo("demo")
          .stdio("trouble", TroubleServer.class, "5s")
          .stdio("patient", TroubleServer.class, "120s", "--scheme", "patient")
          .agent("alice", KEY, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .build();

  @Test
  void toolsAndPromptsAreNamespacedAndResourcesKeepTheirUris() {
    McpWire alice = GW.wire(KEY);
    List<String> tools = alice.stateless("tools/list", obj("{}")).result().get("tools").valueStream().map(t -> t.path("name").asString()).toList();
    assertThat(tools).contains("demo__echo", "demo__read_file", "trouble__echo", "trouble__hang");
    assertThat(tools).allMatch(t -> t.startsWith("demo__") || t.startsWith("trouble__") || t.startsWith("patient__"));

    List<String> prompts = alice.stateless("prompts/list", obj("{}")).result().get("prompts").valueStream().map(t -> t.path("name").asString()).toList();
    assertThat(prompts).contains("trouble__greet");
    assertThat(prompts).allMatch(p -> p.startsWith("demo__") || p.startsWith("trouble__") || p.startsWith("patient__"));

    JsonNode resources = alice.stateless("resources/list", obj("{}")).result().get("resources");
    assertThat(resources.findValuesAsString("uri")).contains("trouble://readme");
    JsonNode templates = alice.stateless("resources/templates/list", obj("{}")).result().get("resourceTemplates");
    assertThat(templates.findValuesAsString("uriTemplate")).contains("trouble://notes/{name}");

    JsonNode greet = alice.stateless("prompts/get", obj("{\"name\":\"trouble__greet\"}")).result();
    assertThat(greet.toString()).as("the upstream saw its own prompt name").contains("hello from greet");
    JsonNode readme = alice.stateless("resources/read", obj("{\"uri\":\"trouble://readme\"}")).result();
    assertThat(readme.toString()).contains("content of trouble://readme");
    JsonNode note = alice.stateless("resources/read", obj("{\"uri\":\"trouble://notes/monday\"}")).result();
    assertThat(note.toString()).as("routed by template").contains("content of trouble://notes/monday");

    assertThat(alice.stateless("tools/call", obj("{\"name\":\"echo\",\"arguments\":{}}")).errorCode()).as("an un-prefixed name").isEqualTo(-32602);
    assertThat(alice.stateless("tools/call", obj("{\"name\":\"nobody__echo\",\"arguments\":{}}")).error().get("message").asString()).contains("unknown tool");
  }

  @Test
  void concurrentCallsWithTheSameAgentIdsGetTheirOwnAnswersEvenOutOfOrder() throws Exception {
    int n = 8;
    List<CompletableFuture<McpWire.Reply>> replies = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        String message = "m" + i;
        McpWire client = GW.wire(KEY);
        // every agent uses id 1: ids are per agent, the gateway must keep them apart upstream
        replies.add(
            CompletableFuture.supplyAsync(
                () ->
                    client.post(
                        McpWire.statelessBody(1, "tools/call", obj("{\"name\":\"trouble__gather\",\"arguments\":{\"message\":\"" + message + "\",\"group\":\"g\",\"size\":" + n + "}}")).toString(),
                        McpWire.statelessHeaders("tools/call", obj("{\"name\":\"trouble__gather\"}"))),
                pool));
      }
      Set<Long> upstreamIds = new HashSet<>();
      for (int i = 0; i < n; i++) {
        McpWire.Reply r = replies.get(i).get();
        assertThat(r.message().get("id").asLong()).isEqualTo(1);
        assertThat(r.result().path("structuredContent").path("message").asString()).isEqualTo("m" + i);
        upstreamIds.add(r.result().path("structuredContent").path("upstreamId").asLong());
      }
      assertThat(upstreamIds).as("each call had its own upstream id").hasSize(n);
    }
  }

  @Test
  void progressReachesTheCallThatAskedForItWithTheAgentsToken() {
    McpWire alice = GW.wire(KEY);
    alice.initialize();
    try (McpWire.Stream s = alice.requestStreaming(42, "tools/call", obj("{\"name\":\"trouble__progress\",\"arguments\":{\"steps\":3},\"_meta\":{\"progressToken\":\"agent-token-7\"}}"))) {
      List<JsonNode> progress = new ArrayList<>();
      JsonNode last;
      while (!(last = s.next()).has("id")) {
        progress.add(last);
      }
      assertThat(progress).hasSize(3);
      assertThat(progress).allSatisfy(p -> assertThat(p.path("params").path("progressToken").asString()).isEqualTo("agent-token-7"));
      assertThat(last.get("id").asLong()).isEqualTo(42);
      assertThat(last.path("result").path("tokenSeen").asString()).as("the upstream saw a gateway token, not the agent's").startsWith("bastion-progress-");
    }
  }

  @Test
  void cancellingOneCallStopsThatCallOnlyAndTellsTheUpstream() throws Exception {
    McpWire alice = GW.wire(KEY);
    alice.initialize();
    try (McpWire.Stream cancelled = alice.requestStreaming(100, "tools/call", obj("{\"name\":\"demo__slow_task\",\"arguments\":{\"seconds\":20,\"steps\":20},\"_meta\":{\"progressToken\":\"p100\"}}"));
        McpWire.Stream kept = alice.requestStreaming(101, "tools/call", obj("{\"name\":\"demo__slow_task\",\"arguments\":{\"seconds\":1,\"steps\":2},\"_meta\":{\"progressToken\":\"p101\"}}"))) {
      // the first progress proves call 100 is running upstream
      assertThat(cancelled.next().path("params").path("progressToken").asString()).isEqualTo("p100");
      McpWire.Reply ack = alice.notify("notifications/cancelled", obj("{\"requestId\":100,\"reason\":\"changed my mind\"}"));
      assertThat(ack.status()).isEqualTo(202);
      // a cancelled request gets no response (the spec: the receiver should not answer it); its stream just ends
      assertThat(cancelled.awaitEnd()).noneMatch(n -> n.has("id") && n.get("id").asLong() == 100);
      JsonNode done = kept.response(101);
      assertThat(done.path("result").toString()).contains("finished 2 steps");
    }
  }

  @Test
  void cancellationReachesTheUpstreamUnderItsOwnId() {
    McpWire alice = GW.wire(KEY);
    alice.initialize();
    try (McpWire.Stream hanging = alice.requestStreaming(7, "tools/call", obj("{\"name\":\"patient__hang\",\"arguments\":{}}"))) {
      // no progress to wait for: poll the upstream's record of cancellations after cancelling
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(() -> {
            alice.notify("notifications/cancelled", obj("{\"requestId\":7}"));
            JsonNode ids = alice.request("tools/call", obj("{\"name\":\"patient__cancelled\",\"arguments\":{}}")).result().get("ids");
            return ids.size() > 0;
          });
      JsonNode ids = alice.request("tools/call", obj("{\"name\":\"patient__cancelled\",\"arguments\":{}}")).result().get("ids");
      assertThat(ids.get(0).asLong()).as("the upstream's id for the call, not the agent's").isNotEqualTo(7);
      // ended by the cancellation (no response at all), not by the timeout (which would answer with an error)
      assertThat(hanging.awaitEnd()).noneMatch(n -> n.has("id") && n.get("id").asLong() == 7);
    }
  }

  @Test
  void theUpstreamsOwnTimeoutAppliesNotTheGlobalDefault() {
    McpWire alice = GW.wire(KEY);
    long start = System.nanoTime();
    McpWire.Reply r = alice.stateless("tools/call", obj("{\"name\":\"trouble__hang\",\"arguments\":{}}"));
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    assertThat(r.error().get("message").asString()).contains("did not answer tools/call within 5000 ms");
    assertThat(seconds).as("trouble has timeout 5s, the global default is 60s").isLessThan(30);
    assertThat(alice.stateless("tools/call", obj("{\"name\":\"trouble__echo\",\"arguments\":{\"message\":\"after\"}}")).status()).isEqualTo(200);
  }

  @Test
  void theAgentsCredentialNeverReachesAnUpstream() throws Exception {
    try (RecordingHttpUpstream recorder = new RecordingHttpUpstream()) {
      GatewayExtension gw =
          GatewayExtension.builder()
              .http("remote", recorder.url(), Map.of("X-Upstream-Key", "upstream-secret"))
              .agent("alice", KEY, "reader")
              .allow("readers", "\"reader\" in agent.roles")
              .build();
      gw.start();
      try {
        McpWire alice = gw.wire(KEY);
        assertThat(alice.stateless("tools/call", obj("{\"name\":\"remote__whoami\",\"arguments\":{}}")).result().toString()).contains("recorded");
        alice.initialize();
        assertThat(alice.request("tools/call", obj("{\"name\":\"remote__whoami\",\"arguments\":{}}")).status()).isEqualTo(200);
      } finally {
        gw.stop();
      }
      List<RecordingHttpUpstream.Received> calls = recorder.received().stream().filter(r -> "tools/call".equals(r.rpcMethod())).toList();
      assertThat(calls).hasSize(2);
      for (RecordingHttpUpstream.Received r : recorder.received()) {
        assertThat(r.headers()).doesNotContainKey("authorization");
        assertThat(r.headers().toString()).doesNotContain(KEY);
        assertThat(r.body()).doesNotContain(KEY);
      }
      assertThat(calls).allSatisfy(r -> assertThat(r.headers().get("x-upstream-key")).containsExactly("upstream-secret"));
    }
  }
}
