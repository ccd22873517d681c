package dev.bastion.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bastion.config.Secret;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.ReasonCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class StdioUpstreamTest {
  private static final JsonRpcCodec CODEC = new JsonRpcCodec(JsonRpcLimits.DEFAULT);

  private final List<String> notifications = new CopyOnWriteArrayList<>();
  private final List<StdioUpstream> opened = new ArrayList<>();

  @AfterEach
  void closeAll() {
    opened.forEach(StdioUpstream::close);
  }

  static List<String> javaCommand(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElseThrow());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }

  private StdioUpstream upstream(Map<String, Secret> env, int maxResponseBytes, Duration timeout, String... args) throws UpstreamException {
    UpstreamConfig.Stdio cfg =
        new UpstreamConfig.Stdio("fake", javaCommand(FakeStdioServer.class.getName(), args), env, null, timeout);
    StdioUpstream up =
        new StdioUpstream(cfg, new UpstreamContext(CODEC, Duration.ofSeconds(20), maxResponseBytes, (s, m, p) -> notifications.add(s + ":" + m)));
    opened.add(up);
    up.start();
    return up;
  }

  private StdioUpstream upstream() throws UpstreamException {
    return upstream(Map.of(), 1024 * 1024, Duration.ofSeconds(20));
  }

  static ObjectNode tool(String name) {
    ObjectNode p = JsonRpcCodec.nodes().objectNode();
    p.put("name", name);
    p.putObject("arguments");
    return p;
  }

  private static Upstream.CallOptions opts() {
    return Upstream.CallOptions.of(Duration.ofSeconds(20));
  }

  @Test
  void handshakeDescribesTheServerAndACallReturnsItsResult() throws Exception {
    StdioUpstream up = upstream();

    Upstream.ServerDescription d = up.description();
    assertThat(up.health()).isEqualTo(Upstream.Health.READY);
    assertThat(d.era()).isEqualTo(Era.LEGACY);
    assertThat(d.protocolVersion()).isEqualTo("2025-11-25");
    assertThat(d.serverInfo().get("name").asString()).isEqualTo("fake");
    assertThat(d.capabilities().path("tools").path("listChanged").asBoolean()).isTrue();
    assertThat(d.instructions()).isEqualTo("be nice");

    ObjectNode result = up.call("tools/call", tool("echo"), opts()).await();
    assertThat(result.get("request").get("method").asString()).isEqualTo("tools/call");
  }

  @Test
  void initializeAnnouncesBastionWithOnlyElicitation() throws Exception {
    StdioUpstream up = upstream();
    ObjectNode echoed = up.call("tools/call", tool("echo"), opts()).await();
    JsonNode init = echoed.get("init");
    assertThat(init.get("protocolVersion").asString()).isEqualTo("2025-11-25");
    assertThat(init.get("clientInfo").get("name").asString()).isEqualTo("bastion");
    // elicitation (relayed to agents that declared it); no sampling, no roots
    assertThat(init.get("capabilities").toString()).isEqualTo("{\"elicitation\":{}}");
    assertThat(echoed.get("initialized").asBoolean()).as("notifications/initialized was sent").isTrue();
  }

  @Test
  void withTheFirewallAsHandlerInitializeDeclaresWhatItRelaysFormAndUrlElicitationAndSampling() throws Exception {
    UpstreamConfig.Stdio cfg = new UpstreamConfig.Stdio("fake", javaCommand(FakeStdioServer.class.getName()), Map.of(), null, Duration.ofSeconds(20));
    StdioUpstream up = new StdioUpstream(cfg, new UpstreamContext(CODEC, Duration.ofSeconds(20), 1024 * 1024, (s, m, p) -> {},
        new dev.bastion.inspect.ServerMessageFirewall(dev.bastion.config.FirewallConfig.DEFAULT, e -> {})));
    opened.add(up);
    up.start();
    JsonNode init = up.call("tools/call", tool("echo"), opts()).await().get("init");
    // still no roots: the gateway answers roots/list itself, with none
    assertThat(init.get("capabilities").toString()).isEqualTo("{\"elicitation\":{\"form\":{},\"url\":{}},\"sampling\":{}}");
  }

  @Test
  void anOlderProtocolVersionAnsweredByTheServerIsAccepted() throws Exception {
    StdioUpstream up = upstream(Map.of(), 1024 * 1024, Duration.ofSeconds(20), "2025-03-26");
    assertThat(up.description().protocolVersion()).isEqualTo("2025-03-26");
  }

  @Test
  void anUnknownProtocolVersionFailsTheStart() {
    assertThatThrownBy(() -> upstream(Map.of(), 1024 * 1024, Duration.ofSeconds(20), "1999-01-01"))
        .isInstanceOf(UpstreamException.class)
        .hasMessageContaining("1999-01-01")
        .extracting(e -> ((UpstreamException) e).reason())
        .isEqualTo(ReasonCode.UPSTREAM_PROTOCOL_ERROR);
  }

  @Test
  void theServerSeesOnlyGatewayIdsAndGatewayProgressTokens() throws Exception {
    StdioUpstream up = upstream();
    ObjectNode params = tool("echo");
    params.putObject("_meta").put("progressToken", "agent-token-7");

    JsonNode seen = up.call("tools/call", params, opts()).await().get("request");
    JsonNode seen2 = up.call("tools/call", tool("echo"), opts()).await().get("request");

    assertThat(seen.get("id").isIntegralNumber()).isTrue();
    assertThat(seen2.get("id").asLong()).isGreaterThan(seen.get("id").asLong());
    String token = seen.get("params").get("_meta").get("progressToken").asString();
    assertThat(token).startsWith("bastion-progress-").doesNotContain("agent-token-7");
    assertThat(params.get("_meta").get("progressToken").asString()).as("the caller's params are untouched").isEqualTo("agent-token-7");
  }

  @Test
  void progressReachesTheCallerWithTheAgentsOriginalToken() throws Exception {
    StdioUpstream up = upstream();
    ObjectNode params = tool("progress");
    params.putObject("_meta").put("progressToken", 42);
    List<ObjectNode> progress = new CopyOnWriteArrayList<>();

    ObjectNode result = up.call("tools/call", params, new Upstream.CallOptions(Duration.ofSeconds(20), progress::add)).await();

    assertThat(result.get("tokenSeen").asString()).startsWith("bastion-progress-");
    assertThat(progress).hasSize(2);
    assertThat(progress).allSatisfy(p -> assertThat(p.get("progressToken").asInt()).isEqualTo(42));
    assertThat(progress.get(1).get("progress").asInt()).isEqualTo(2);
  }

  @Test
  void cancellingACallFailsItAndSendsNotificationsCancelledWithTheGatewayId() throws Exception {
    StdioUpstream up = upstream();
    PendingCall call = (PendingCall) up.call("tools/call", tool("slow"), opts());

    call.cancel("agent gave up");

    assertThatThrownBy(call::await).isInstanceOf(UpstreamException.class)
        .extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.CANCELLED);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode ids = up.call("tools/call", tool("cancellations"), opts()).await().get("ids");
      assertThat(ids.toString()).isEqualTo("[" + call.id() + "]");
    });
  }

  @Test
  void aCallThatTakesTooLongTimesOutAndIsCancelledUpstream() throws Exception {
    StdioUpstream up = upstream();
    PendingCall call = (PendingCall) up.call("tools/call", tool("slow"), Upstream.CallOptions.of(Duration.ofMillis(300)));

    assertThatThrownBy(call::await).isInstanceOf(UpstreamException.class)
        .extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_TIMEOUT);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(up.call("tools/call", tool("cancellations"), opts()).await().get("ids").toString()).isEqualTo("[" + call.id() + "]"));
  }

  @Test
  void aCrashMidCallFailsTheCallAtOnceAndTheServerIsRestartedAndUsable() throws Exception {
    StdioUpstream up = upstream();
    long firstPid = up.call("tools/call", tool("pid"), opts()).await().get("pid").asLong();
    Upstream.Call slow = up.call("tools/call", tool("slow"), Upstream.CallOptions.of(Duration.ofMinutes(5)));

    Upstream.Call crash = up.call("tools/call", tool("crash"), Upstream.CallOptions.of(Duration.ofMinutes(5)));

    long t0 = System.nanoTime();
    assertThatThrownBy(crash::await).extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_UNAVAILABLE);
    assertThatThrownBy(slow::await).extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_UNAVAILABLE);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));

    await().atMost(Duration.ofSeconds(30)).until(() -> up.health() == Upstream.Health.READY && notifications.contains("fake:notifications/tools/list_changed"));
    long secondPid = up.call("tools/call", tool("pid"), opts()).await().get("pid").asLong();
    assertThat(secondPid).isNotEqualTo(firstPid);
  }

  @Test
  void garbageLinesStrayIdsAndDuplicatesDoNotDisturbTheCall() throws Exception {
    StdioUpstream up = upstream();
    ObjectNode result = up.call("tools/call", tool("garbage"), opts()).await();
    assertThat(result.get("ok").asBoolean()).isTrue();
    assertThat(result.has("stray")).isFalse();
    assertThat(up.call("tools/call", tool("echo"), opts()).await().has("duplicate")).isFalse();
    assertThat(up.health()).isEqualTo(Upstream.Health.READY);
  }

  @Test
  void anInvalidResponseFailsOnlyItsOwnCall() throws Exception {
    StdioUpstream up = upstream();
    Upstream.Call slow = up.call("tools/call", tool("slow"), opts());
    assertThatThrownBy(() -> up.call("tools/call", tool("invalid"), opts()).await())
        .extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_PROTOCOL_ERROR);
    assertThat(up.call("tools/call", tool("echo"), opts()).await().has("request")).isTrue();
    slow.cancel("done");
  }

  @Test
  void aResponseLineOverTheSizeCapFailsThatCallAndTheConnectionStaysUsable() throws Exception {
    StdioUpstream up = upstream(Map.of(), 64 * 1024, Duration.ofSeconds(20));
    ObjectNode params = tool("big");
    params.withObject("arguments").put("size", 200_000);

    assertThatThrownBy(() -> up.call("tools/call", params, opts()).await())
        .extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_RESPONSE_TOO_LARGE);
    params.withObject("arguments").put("size", 1000);
    assertThat(up.call("tools/call", params, opts()).await().get("text").asString()).hasSize(1000);
  }

  @Test
  void theChildSeesOnlyPathHomeLangAndItsConfiguredVariables() throws Exception {
    StdioUpstream up = upstream(Map.of("UPSTREAM_TOKEN", Secret.of("s3cret", false)), 1024 * 1024, Duration.ofSeconds(20));

    ObjectNode result = up.call("tools/call", tool("env"), opts()).await();

    List<String> keys = new ArrayList<>();
    result.get("keys").forEach(k -> keys.add(k.asString()));
    assertThat(keys).contains("UPSTREAM_TOKEN");
    assertThat(keys).isSubsetOf("PATH", "HOME", "LANG", "UPSTREAM_TOKEN");
    assertThat(result.get("secret").asString()).isEqualTo("s3cret");
  }

  @Test
  void childEnvironmentDropsEveryGatewayVariableButPathHomeAndLang() {
    Map<String, String> child =
        StdioUpstream.childEnvironment(
            Map.of("PATH", "/bin", "HOME", "/root", "LANG", "C.UTF-8", "BASTION_TEST_SECRET", "x", "AWS_SECRET_ACCESS_KEY", "y"),
            Map.of("API_KEY", Secret.of("k", true)));
    assertThat(child).containsExactlyInAnyOrderEntriesOf(Map.of("PATH", "/bin", "HOME", "/root", "LANG", "C.UTF-8", "API_KEY", "k"));
  }

  @Test
  void serverRequestsGetPingAndEmptyRootsAnsweredAndSamplingRefused() throws Exception {
    StdioUpstream up = upstream();
    JsonNode answers = up.call("tools/call", tool("ask"), opts()).await().get("answers");
    assertThat(answers.get("s1").get("result").isEmpty()).isTrue();
    assertThat(answers.get("s2").get("result").get("roots").isEmpty()).isTrue();
    assertThat(answers.get("s3").get("error").get("code").asInt()).isEqualTo(-32601);
    assertThat(answers.get("s3").get("error").get("message").asString()).contains("not supported by the gateway");
  }

  @Test
  void serverNotificationsReachTheListener() throws Exception {
    StdioUpstream up = upstream();
    up.call("tools/call", tool("notify"), opts()).await();
    await().atMost(Duration.ofSeconds(10)).until(() -> notifications.contains("fake:notifications/resources/list_changed"));
  }

  @Test
  void closeKillsTheProcessAndFailsCallsInFlight() throws Exception {
    StdioUpstream up = upstream();
    long pid = up.call("tools/call", tool("pid"), opts()).await().get("pid").asLong();
    Upstream.Call slow = up.call("tools/call", tool("slow"), opts());

    up.close();

    assertThatThrownBy(slow::await).extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.SHUTTING_DOWN);
    assertThat(up.health()).isEqualTo(Upstream.Health.CLOSED);
    await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false);
  }

  @Test
  void aCommandThatCannotBeLaunchedFailsTheStart() {
    UpstreamConfig.Stdio cfg = new UpstreamConfig.Stdio("nope", List.of("/nonexistent/definitely-not-here"), Map.of(), null, Duration.ofSeconds(5));
    StdioUpstream up = new StdioUpstream(cfg, new UpstreamContext(CODEC, Duration.ofSeconds(5), 1024, (s, m, p) -> {}));
    opened.add(up);
    assertThatThrownBy(up::start).extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_UNAVAILABLE);
    assertThat(up.health()).isEqualTo(Upstream.Health.FAILED);
  }
}
