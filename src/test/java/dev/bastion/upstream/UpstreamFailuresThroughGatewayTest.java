package dev.bastion.upstream;

import static dev.bastion.testing.McpWire.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.testing.GatewayExtension;
import dev.bastion.testing.McpWire;
import dev.bastion.testing.TroubleServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An upstream that crashes, hangs, floods its output, answers too much or answers garbage costs the
 * call that met it an error, never the gateway: the other upstream keeps serving, the same upstream
 * serves the next call, and a crashed one is restarted by its supervisor and re-listed.
 */
class UpstreamFailuresThroughGatewayTest {
  static final String KEY = "failure-key";

  @RegisterExtension
  static final GatewayExtension GW =
      GatewayExtension.builder()
          .demo("demo")
          .stdio("trouble", TroubleServer.class, "10s")
          .agent("alice", KEY, "reader")
          .allow("readers", "\"reader\" in agent.roles")
          .limit("max_response_bytes", "65536")
          .build();

  private static McpWire.Reply call(String tool, String arguments) {
    return GW.wire(KEY).stateless("tools/call", obj("{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}"));
  }

  private static void bothUpstreamsServe() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> call("trouble__echo", "{\"message\":\"still here\"}").status() == 200);
    assertThat(call("trouble__echo", "{\"message\":\"still here\"}").result().toString()).contains("still here");
    assertThat(call("demo__echo", "{\"message\":\"demo too\"}").result().toString()).contains("demo too");
  }

  private static void assertCleanError(McpWire.Reply r, String expected) {
    assertThat(r.error().get("message").asString()).contains(expected);
    assertThat(r.body()).doesNotContain("Exception", "\tat ", "at dev.bastion");
  }

  @Test
  void aCrashFailsTheCallInFlightAndTheSupervisorRestartsTheServer() {
    long before = call("trouble__pid", "{}").result().get("pid").asLong();
    McpWire.Reply crashed = call("trouble__crash", "{}");
    assertCleanError(crashed, "trouble");
    assertThat(call("demo__echo", "{\"message\":\"unaffected\"}").status()).isEqualTo(200);
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> {
          McpWire.Reply r = call("trouble__pid", "{}");
          return r.status() == 200 && r.message().has("result") && r.result().get("pid").asLong() != before;
        });
    // re-listed after the restart
    assertThat(GW.wire(KEY).stateless("tools/list", obj("{}")).result().toString()).contains("trouble__crash");
    bothUpstreamsServe();
  }

  @Test
  void aHangingCallTimesOutWithoutHoldingUpOtherCallsToTheSameServer() throws Exception {
    CompletableFuture<McpWire.Reply> hanging = CompletableFuture.supplyAsync(() -> call("trouble__hang", "{}"));
    assertThat(call("trouble__echo", "{\"message\":\"meanwhile\"}").result().toString()).contains("meanwhile");
    assertCleanError(hanging.get(), "did not answer tools/call within 10000 ms");
    bothUpstreamsServe();
  }

  @Test
  void aFloodOfJunkOutputIsDroppedAndTheRealAnswerStillArrives() {
    McpWire.Reply r = call("trouble__flood", "{}");
    assertThat(r.result().path("survived").asBoolean()).isTrue();
    bothUpstreamsServe();
  }

  @Test
  void anOversizedAnswerFailsThatCallOnly() {
    assertCleanError(call("trouble__oversize", "{}"), "the limit is 65536");
    bothUpstreamsServe();
  }

  @Test
  void aGarbageAnswerIsAProtocolErrorForThatCallOnly() {
    assertCleanError(call("trouble__garbage", "{}"), "must be an object");
    bothUpstreamsServe();
  }
}
