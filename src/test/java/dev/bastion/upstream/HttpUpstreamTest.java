package dev.bastion.upstream;

import static dev.bastion.upstream.FakeHttpServer.empty;
import static dev.bastion.upstream.FakeHttpServer.json;
import static dev.bastion.upstream.FakeHttpServer.legacyHandshake;
import static dev.bastion.upstream.FakeHttpServer.result;
import static dev.bastion.upstream.FakeHttpServer.sse;
import static dev.bastion.upstream.FakeHttpServer.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bastion.config.Secret;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.ReasonCode;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class HttpUpstreamTest {
  private static final JsonRpcCodec CODEC = new JsonRpcCodec(JsonRpcLimits.DEFAULT);

  private final List<String> notifications = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> opened = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void closeAll() throws Exception {
    release.countDown();
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
  }

  private FakeHttpServer server(FakeHttpServer.Script script) throws Exception {
    FakeHttpServer s = new FakeHttpServer(script);
    opened.add(s);
    return s;
  }

  private HttpUpstream upstream(FakeHttpServer server, int maxResponseBytes) throws UpstreamException {
    UpstreamConfig.Http cfg =
        new UpstreamConfig.Http("remote", server.url(), Map.of("Authorization", Secret.of("Bearer upstream-key", true)), Duration.ofSeconds(20));
    HttpUpstream up = new HttpUpstream(cfg, new UpstreamContext(CODEC, Duration.ofSeconds(20), maxResponseBytes, (s, m, p) -> notifications.add(s + ":" + m)));
    opened.add(up);
    up.start();
    return up;
  }

  private static Upstream.CallOptions opts() {
    return Upstream.CallOptions.of(Duration.ofSeconds(20));
  }

  /** Awaits {@code call} on a virtual thread (the HTTP transport sends a call when it is awaited); completes with its failure reason. */
  private static CompletableFuture<ReasonCode> awaitInBackground(Upstream.Call call) {
    CompletableFuture<ReasonCode> outcome = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        call.await();
        outcome.complete(null);
      } catch (UpstreamException e) {
        outcome.complete(e.reason());
      }
    });
    return outcome;
  }

  @Test
  void aLegacyServerGetsInitializeAndItsSessionIdAndVersionOnEveryLaterRequest() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "session-1")) {
        result(ex, r.body().get("id"), "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}", Map.of());
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);

    ObjectNode result = up.call("tools/call", StdioUpstreamTest.tool("echo"), opts()).await();

    assertThat(result.get("content").get(0).get("text").asString()).isEqualTo("hi");
    assertThat(up.description().era()).isEqualTo(Era.LEGACY);
    assertThat(up.description().serverInfo().get("name").asString()).isEqualTo("legacy-http");
    FakeHttpServer.Received call = server.rpc("tools/call").getFirst();
    assertThat(call.header("Mcp-Session-Id")).isEqualTo("session-1");
    assertThat(call.header("MCP-Protocol-Version")).isEqualTo("2025-11-25");
    assertThat(call.header("Accept")).contains("application/json").contains("text/event-stream");
    assertThat(call.body().get("id").isIntegralNumber()).isTrue();
    assertThat(server.rpc("initialize").getFirst().header("Mcp-Session-Id")).isNull();
    assertThat(server.rpc("notifications/initialized")).hasSize(1);
    assertThat(server.rpc("notifications/initialized").getFirst().header("Mcp-Session-Id")).isEqualTo("session-1");
  }

  @Test
  void theConfiguredAuthorizationHeaderIsSentOnEveryRequest() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "s")) {
        result(ex, r.body().get("id"), "{}", Map.of());
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);
    up.call("tools/call", StdioUpstreamTest.tool("echo"), opts()).await();
    up.close();

    assertThat(server.received).hasSizeGreaterThanOrEqualTo(4);
    assertThat(server.received).allSatisfy(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer upstream-key"));
    // the gateway names itself, never its HTTP library and that library's version
    assertThat(server.received).allSatisfy(r -> assertThat(r.header("User-Agent")).startsWith("bastion/").doesNotContainIgnoringCase("helidon"));
  }

  @Test
  void anSseAnswerDeliversProgressWithTheOriginalTokenThenTheResult() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "s")) {
        String token = r.body().get("params").get("_meta").get("progressToken").toString();
        OutputStream out = sse(ex);
        write(out, ": keep-alive comment\n\n");
        write(out, "id: 1\ndata: \n\n");
        write(out, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":" + token + ",\"progress\":1}}\n\n");
        write(out, "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"level\":\"info\",\"data\":\"x\"}}\r\n\r\n");
        write(out, "event: message\ndata: {\"jsonrpc\":\"2.0\",\n");
        write(out, "data: \"id\":" + r.body().get("id") + ",\"result\":{\"token\":" + token + "}}\n\n");
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);
    ObjectNode params = StdioUpstreamTest.tool("progress");
    params.putObject("_meta").put("progressToken", "agent-tok");
    List<ObjectNode> progress = new CopyOnWriteArrayList<>();

    ObjectNode result = up.call("tools/call", params, new Upstream.CallOptions(Duration.ofSeconds(20), progress::add)).await();

    assertThat(result.get("token").asString()).startsWith("bastion-progress-");
    assertThat(progress).singleElement().satisfies(p -> assertThat(p.get("progressToken").asString()).isEqualTo("agent-tok"));
    assertThat(notifications).contains("remote:notifications/message");
  }

  @Test
  void aSessionThatExpiresIsReinitializedOnceAndTheCallRetried() throws Exception {
    AtomicInteger sessions = new AtomicInteger();
    FakeHttpServer server = server((r, ex) -> {
      if ("initialize".equals(r.rpcMethod())) {
        legacyHandshake(r, ex, "session-" + sessions.incrementAndGet());
      } else if (!legacyHandshake(r, ex, "unused")) {
        if (!("session-" + sessions.get()).equals(r.header("Mcp-Session-Id")) || sessions.get() == 1) {
          json(ex, 404, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32001,\"message\":\"Session not found\"}}");
        } else {
          result(ex, r.body().get("id"), "{\"ok\":true}", Map.of());
        }
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);

    ObjectNode result = up.call("tools/call", StdioUpstreamTest.tool("echo"), opts()).await();

    assertThat(result.get("ok").asBoolean()).isTrue();
    assertThat(server.rpc("initialize")).hasSize(2);
    assertThat(server.rpc("tools/call")).extracting(r -> r.header("Mcp-Session-Id")).containsExactly("session-1", "session-2");
    assertThat(notifications).contains("remote:notifications/tools/list_changed");
  }

  @Test
  void aServerThatAnswersDiscoverIsUsedStatelesslyWithEnvelopeAndHeaders() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      switch (r.rpcMethod()) {
        case "server/discover" -> result(ex, r.body().get("id"),
            "{\"supportedVersions\":[\"2026-07-28\"],\"capabilities\":{\"tools\":{\"listChanged\":true}},\"instructions\":\"hello\","
                + "\"resultType\":\"complete\",\"ttlMs\":0,\"cacheScope\":\"private\",\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{\"name\":\"modern\",\"version\":\"2\"}}}",
            Map.of());
        case "tools/call" -> result(ex, r.body().get("id"), "{\"content\":[],\"resultType\":\"complete\"}", Map.of());
        default -> json(ex, 400, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32601,\"message\":\"no\"}}");
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);
    ObjectNode params = StdioUpstreamTest.tool("héllo wörld");
    params.putObject("_meta").put("io.modelcontextprotocol/protocolVersion", "2026-07-28").putObject("io.modelcontextprotocol/clientCapabilities").putObject("sampling");

    up.call("tools/call", params, opts()).await();

    Upstream.ServerDescription d = up.description();
    assertThat(d.era()).isEqualTo(Era.STATELESS);
    assertThat(d.protocolVersion()).isEqualTo("2026-07-28");
    assertThat(d.serverInfo().get("name").asString()).isEqualTo("modern");
    assertThat(d.instructions()).isEqualTo("hello");
    FakeHttpServer.Received discover = server.rpc("server/discover").getFirst();
    assertThat(discover.header("Mcp-Method")).isEqualTo("server/discover");
    assertThat(discover.header("MCP-Protocol-Version")).isEqualTo("2026-07-28");
    assertThat(discover.body().get("params").get("_meta").get("io.modelcontextprotocol/clientCapabilities").isEmpty()).isTrue();
    FakeHttpServer.Received call = server.rpc("tools/call").getFirst();
    assertThat(call.header("Mcp-Method")).isEqualTo("tools/call");
    assertThat(call.header("Mcp-Name")).isEqualTo(WireHeaders.headerValue("héllo wörld")).startsWith("=?base64?");
    assertThat(call.header("MCP-Protocol-Version")).isEqualTo("2026-07-28");
    assertThat(call.header("Mcp-Session-Id")).isNull();
    ObjectNode meta = (ObjectNode) call.body().get("params").get("_meta");
    assertThat(meta.get("io.modelcontextprotocol/protocolVersion").asString()).isEqualTo("2026-07-28");
    assertThat(meta.get("io.modelcontextprotocol/clientCapabilities").isEmpty()).as("the agent's capabilities are not forwarded").isTrue();
    assertThat(meta.get("io.modelcontextprotocol/clientInfo").get("name").asString()).isEqualTo("bastion");
    assertThat(server.rpc("initialize")).isEmpty();
  }

  private static boolean statelessDiscover(FakeHttpServer.Received r, com.sun.net.httpserver.HttpExchange ex) throws java.io.IOException {
    if (!"server/discover".equals(r.rpcMethod())) {
      return false;
    }
    result(ex, r.body().get("id"), "{\"supportedVersions\":[\"2026-07-28\"],\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"m\",\"version\":\"1\"}}", Map.of());
    return true;
  }

  @Test
  void sequentialCallsReuseOneKeepAliveConnection() throws Exception {
    List<Integer> ports = new CopyOnWriteArrayList<>();
    FakeHttpServer server = server((r, ex) -> {
      if (!statelessDiscover(r, ex)) {
        ports.add(ex.getRemoteAddress().getPort());
        result(ex, r.body().get("id"), "{\"content\":[]}", Map.of());
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);

    for (int i = 0; i < 5; i++) {
      up.call("tools/call", StdioUpstreamTest.tool("echo"), opts()).await();
    }

    assertThat(ports).hasSize(5);
    assertThat(java.util.Set.copyOf(ports)).as("one pooled connection for all calls").hasSize(1);
  }

  @Test
  void anSseAnswerIsReadIncrementallyWhileTheServerStillHoldsTheStream() throws Exception {
    CountDownLatch progressSeen = new CountDownLatch(1);
    FakeHttpServer server = server((r, ex) -> {
      if (!statelessDiscover(r, ex)) {
        String token = r.body().get("params").get("_meta").get("progressToken").toString();
        OutputStream out = sse(ex);
        write(out, "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":" + token + ",\"progress\":1}}\n\n");
        progressSeen.await(); // the answer only follows once the gateway has passed the progress on
        write(out, "data: {\"jsonrpc\":\"2.0\",\"id\":" + r.body().get("id") + ",\"result\":{\"done\":true}}\n\n");
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);
    ObjectNode params = StdioUpstreamTest.tool("progress");
    params.putObject("_meta").put("progressToken", "t");

    ObjectNode result = up.call("tools/call", params, new Upstream.CallOptions(Duration.ofSeconds(20), p -> progressSeen.countDown())).await();

    assertThat(result.get("done").asBoolean()).isTrue();
  }

  @Test
  void aCancelledStreamClosesItsConnectionAndTheNextCallGetsAFreshOne() throws Exception {
    List<Integer> ports = new CopyOnWriteArrayList<>();
    CountDownLatch streaming = new CountDownLatch(1);
    FakeHttpServer server = server((r, ex) -> {
      if (!statelessDiscover(r, ex)) {
        ports.add(ex.getRemoteAddress().getPort());
        if ("slow".equals(r.body().get("params").get("name").asString())) {
          OutputStream out = sse(ex);
          write(out, ": started\n\n");
          streaming.countDown();
          release.await();
        } else {
          result(ex, r.body().get("id"), "{\"content\":[]}", Map.of());
        }
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);
    Upstream.Call slow = up.call("tools/call", StdioUpstreamTest.tool("slow"), opts());
    CompletableFuture<ReasonCode> slowOutcome = awaitInBackground(slow);
    assertThat(streaming.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

    slow.cancel("agent gave up");
    ObjectNode next = up.call("tools/call", StdioUpstreamTest.tool("echo"), opts()).await();

    assertThat(slowOutcome.get(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(ReasonCode.CANCELLED);
    assertThat(next.has("content")).isTrue();
    assertThat(ports).hasSize(2);
    assertThat(ports.get(1)).as("the cancelled stream's connection is closed, not reused").isNotEqualTo(ports.get(0));
  }

  @Test
  void aJsonAnswerOverTheSizeCapFailsTheCall() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "s")) {
        result(ex, r.body().get("id"), "{\"text\":\"" + "x".repeat(100_000) + "\"}", Map.of());
      }
    });
    HttpUpstream up = upstream(server, 16 * 1024);

    assertThatThrownBy(() -> up.call("tools/call", StdioUpstreamTest.tool("big"), opts()).await())
        .extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_RESPONSE_TOO_LARGE);
  }

  @Test
  void anSseEventOverTheSizeCapFailsTheCall() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "s")) {
        OutputStream out = sse(ex);
        for (int i = 0; i < 100; i++) {
          write(out, "data: " + "y".repeat(1000) + "\n");
        }
        write(out, "\n");
      }
    });
    HttpUpstream up = upstream(server, 16 * 1024);

    assertThatThrownBy(() -> up.call("tools/call", StdioUpstreamTest.tool("big"), opts()).await())
        .extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_RESPONSE_TOO_LARGE);
  }

  @Test
  void cancellingALegacyCallClosesItsStreamAndSendsNotificationsCancelled() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "s")) {
        OutputStream out = sse(ex);
        write(out, ": started\n\n");
        release.await();
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);
    PendingCall call = (PendingCall) up.call("tools/call", StdioUpstreamTest.tool("slow"), opts());
    CompletableFuture<ReasonCode> outcome = awaitInBackground(call);
    await().atMost(Duration.ofSeconds(20)).until(() -> !server.rpc("tools/call").isEmpty());

    call.cancel("agent gave up");

    assertThat(outcome.get(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(ReasonCode.CANCELLED);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(server.rpc("notifications/cancelled"))
            .singleElement()
            .satisfies(r -> assertThat(r.body().get("params").get("requestId").asLong()).isEqualTo(call.id())));
  }

  @Test
  void aCallCancelledBeforeItIsAwaitedIsNeverSent() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "s")) {
        result(ex, r.body().get("id"), "{\"content\":[]}", Map.of());
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);
    Upstream.Call call = up.call("tools/call", StdioUpstreamTest.tool("never"), opts());

    call.cancel("agent gave up");

    assertThatThrownBy(call::await).extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.CANCELLED);
    ObjectNode next = up.call("tools/call", StdioUpstreamTest.tool("echo"), opts()).await();
    assertThat(next.has("content")).isTrue();
    assertThat(server.rpc("tools/call")).singleElement().satisfies(r -> assertThat(r.body().get("params").get("name").asString()).isEqualTo("echo"));
    assertThat(server.rpc("notifications/cancelled")).as("nothing to cancel on the server").isEmpty();
  }

  @Test
  void aTimedOutCallLeavesTheAwaitingThreadUninterruptedAndTheNextCallWorks() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "s")) {
        if ("slow".equals(r.body().get("params").get("name").asString())) {
          release.await();
        }
        result(ex, r.body().get("id"), "{\"content\":[]}", Map.of());
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);

    // on a virtual thread, as the gateway's callers are: the exchange runs on the awaiting thread itself
    CompletableFuture<String> seen = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        up.call("tools/call", StdioUpstreamTest.tool("slow"), Upstream.CallOptions.of(Duration.ofMillis(300))).await();
        seen.complete("answered");
      } catch (UpstreamException e) {
        boolean interrupted = Thread.currentThread().isInterrupted();
        try {
          seen.complete(e.reason() + " interrupted=" + interrupted + " next=" + up.call("tools/call", StdioUpstreamTest.tool("echo"), opts()).await().has("content"));
        } catch (UpstreamException next) {
          seen.complete(e.reason() + " interrupted=" + interrupted + " next failed: " + next);
        }
      }
    });

    assertThat(seen.get(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(ReasonCode.UPSTREAM_TIMEOUT + " interrupted=false next=true");
  }

  @Test
  void aCallThatTakesTooLongTimesOut() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "s")) {
        release.await();
        empty(ex, 500);
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);

    assertThatThrownBy(() -> up.call("tools/call", StdioUpstreamTest.tool("slow"), Upstream.CallOptions.of(Duration.ofMillis(300))).await())
        .extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_TIMEOUT);
  }

  @Test
  void aJsonRpcErrorFromTheServerIsRelayedAsRemote() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "s")) {
        json(ex, 200, "{\"jsonrpc\":\"2.0\",\"id\":" + r.body().get("id") + ",\"error\":{\"code\":-32602,\"message\":\"Tool nope not found\"}}");
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);

    assertThatThrownBy(() -> up.call("tools/call", StdioUpstreamTest.tool("nope"), opts()).await())
        .isInstanceOfSatisfying(UpstreamException.Remote.class, e -> {
          assertThat(e.code()).isEqualTo(-32602);
          assertThat(e.getMessage()).isEqualTo("Tool nope not found");
        });
  }

  @Test
  void aServerThatRefusesTheCredentialsFailsTheStart() throws Exception {
    FakeHttpServer server = server((r, ex) -> empty(ex, 401));
    UpstreamConfig.Http cfg = new UpstreamConfig.Http("remote", server.url(), Map.of(), Duration.ofSeconds(5));
    HttpUpstream up = new HttpUpstream(cfg, new UpstreamContext(CODEC, Duration.ofSeconds(5), 1024, (s, m, p) -> {}));
    opened.add(up);

    assertThatThrownBy(up::start).extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_UNAVAILABLE);
    assertThat(up.health()).isEqualTo(Upstream.Health.FAILED);
  }

  @Test
  void redirectsAreNotFollowed() throws Exception {
    FakeHttpServer server = server((r, ex) -> {
      if (!legacyHandshake(r, ex, "s")) {
        ex.getResponseHeaders().set("Location", "http://169.254.169.254/latest");
        empty(ex, 307);
      }
    });
    HttpUpstream up = upstream(server, 1 << 20);

    assertThatThrownBy(() -> up.call("tools/call", StdioUpstreamTest.tool("echo"), opts()).await())
        .hasMessageContaining("redirect")
        .extracting(e -> ((UpstreamException) e).reason()).isEqualTo(ReasonCode.UPSTREAM_UNAVAILABLE);
  }

  @Test
  void gatewayManagedHeadersCannotBeConfigured() {
    UpstreamConfig.Http cfg = new UpstreamConfig.Http("remote", java.net.URI.create("http://127.0.0.1:1/mcp"),
        Map.of("Mcp-Session-Id", Secret.of("x", false)), Duration.ofSeconds(5));
    assertThatThrownBy(() -> new HttpUpstream(cfg, new UpstreamContext(CODEC, Duration.ofSeconds(5), 1024, (s, m, p) -> {})))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Mcp-Session-Id");
  }

  @Test
  void headerValuesThatAreNotPlainAsciiAreBase64Encoded() {
    assertThat(WireHeaders.headerValue("echo")).isEqualTo("echo");
    assertThat(WireHeaders.headerValue(" padded")).isEqualTo("=?base64?IHBhZGRlZA==?=");
    assertThat(WireHeaders.headerValue("=?base64?abc?=")).startsWith("=?base64?").isNotEqualTo("=?base64?abc?=");
    assertThat(WireHeaders.headerValue("日本")).isEqualTo("=?base64?5pel5pys?=");
  }
}
