package dev.bastion.upstream;

import static dev.bastion.upstream.FakeHttpServer.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bastion.config.Secret;
import dev.bastion.config.UpstreamConfig;
import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import dev.bastion.pipeline.ReasonCode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The HTTP transport's keep-alive connections: stale ones are not reused, and no call is ever sent twice. */
class HttpUpstreamConnectionsTest {
  private static final JsonRpcCodec CODEC = new JsonRpcCodec(JsonRpcLimits.DEFAULT);

  private final List<AutoCloseable> opened = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void closeAll() throws Exception {
    release.countDown();
    for (AutoCloseable c : opened.reversed()) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T opened(T c) {
    opened.add(c);
    return c;
  }

  private HttpUpstream upstream(URI url) throws UpstreamException {
    UpstreamConfig.Http cfg = new UpstreamConfig.Http("remote", url, Map.of("Authorization", Secret.of("Bearer upstream-key", true)), Duration.ofSeconds(20));
    HttpUpstream up = opened(new HttpUpstream(cfg, new UpstreamContext(CODEC, Duration.ofSeconds(20), 1 << 20, (s, m, p) -> {})));
    up.start();
    return up;
  }

  private static Upstream.CallOptions opts() {
    return Upstream.CallOptions.of(Duration.ofSeconds(20));
  }

  private static boolean statelessDiscover(FakeHttpServer.Received r, com.sun.net.httpserver.HttpExchange ex) throws java.io.IOException {
    if (!"server/discover".equals(r.rpcMethod())) {
      return false;
    }
    result(ex, r.body().get("id"), "{\"supportedVersions\":[\"2026-07-28\"],\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":\"m\",\"version\":\"1\"}}", Map.of());
    return true;
  }

  private static long calls(FakeHttpServer server, String tool) {
    return server.rpc("tools/call").stream().filter(r -> tool.equals(r.body().get("params").get("name").asString())).count();
  }

  @Test
  void aCallAfterTheServerClosedTheIdleConnectionGoesOutOnANewOneAndSucceeds() throws Exception {
    FakeHttpServer server = opened(new FakeHttpServer((r, ex) -> {
      if (!statelessDiscover(r, ex)) {
        result(ex, r.body().get("id"), "{\"content\":[]}", Map.of());
      }
    }));
    CuttingProxy proxy = opened(new CuttingProxy(server.url()));
    HttpUpstream up = upstream(proxy.url());
    up.call("tools/call", StdioUpstreamTest.tool("first"), opts()).await();
    ConnectionPool pool = up.connections();
    long before = pool.opened();
    assertThat(pool.idle()).isEqualTo(1);

    proxy.cutAll(); // the server's side closes the idle keep-alive connection
    await().atMost(Duration.ofSeconds(20)).until(() -> pool.idleStillOpen() == 0);
    ObjectNode second = up.call("tools/call", StdioUpstreamTest.tool("second"), opts()).await();

    assertThat(second.has("content")).isTrue();
    assertThat(pool.opened()).as("the closed connection was replaced, not written to").isEqualTo(before + 1);
    assertThat(calls(server, "second")).isEqualTo(1);
  }

  @Test
  void aCallWhoseConnectionBreaksAfterTheServerGotItFailsAndIsNeverSentAgain() throws Exception {
    CountDownLatch received = new CountDownLatch(1);
    FakeHttpServer server = opened(new FakeHttpServer((r, ex) -> {
      if (!statelessDiscover(r, ex)) {
        if ("once".equals(r.body().get("params").get("name").asString())) {
          received.countDown();
          release.await(); // holds the answer until the connection is gone
        } else {
          result(ex, r.body().get("id"), "{\"content\":[]}", Map.of());
        }
      }
    }));
    CuttingProxy proxy = opened(new CuttingProxy(server.url()));
    HttpUpstream up = upstream(proxy.url());
    up.call("tools/call", StdioUpstreamTest.tool("warm"), opts()).await(); // so that "once" goes out on a reused connection
    ConnectionPool pool = up.connections();
    long before = pool.opened();

    Upstream.Call once = up.call("tools/call", StdioUpstreamTest.tool("once"), opts());
    Thread.ofVirtual().start(() -> {
      try {
        received.await(20, TimeUnit.SECONDS);
        proxy.cutAll(); // the connection dies after the server has the request, before its answer
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });

    assertThatThrownBy(once::await).isInstanceOfSatisfying(UpstreamException.class, e -> assertThat(e.reason()).isEqualTo(ReasonCode.UPSTREAM_UNAVAILABLE));
    assertThat(pool.opened()).as("no new connection: the call was not sent again").isEqualTo(before);
    ObjectNode after = up.call("tools/call", StdioUpstreamTest.tool("after"), opts()).await();
    assertThat(after.has("content")).isTrue();
    assertThat(calls(server, "once")).isEqualTo(1);
    assertThat(calls(server, "after")).isEqualTo(1);
  }

  @Test
  void concurrentCallsEachGetAConnectionAndReturnItToThePool() throws Exception {
    CountDownLatch bothIn = new CountDownLatch(2);
    FakeHttpServer server = opened(new FakeHttpServer((r, ex) -> {
      if (!statelessDiscover(r, ex)) {
        bothIn.countDown();
        bothIn.await(20, TimeUnit.SECONDS); // both calls are in flight at once
        result(ex, r.body().get("id"), "{\"content\":[]}", Map.of());
      }
    }));
    HttpUpstream up = upstream(server.url());
    Upstream.Call a = up.call("tools/call", StdioUpstreamTest.tool("a"), opts());
    Upstream.Call b = up.call("tools/call", StdioUpstreamTest.tool("b"), opts());
    var fa = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return a.await();
      } catch (UpstreamException e) {
        throw new IllegalStateException(e);
      }
    }, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());

    ObjectNode rb = b.await();

    assertThat(rb.has("content")).isTrue();
    assertThat(fa.get(20, TimeUnit.SECONDS).has("content")).isTrue();
    assertThat(up.connections().opened()).isEqualTo(2);
    assertThat(up.connections().idle()).isEqualTo(2);
  }
}
