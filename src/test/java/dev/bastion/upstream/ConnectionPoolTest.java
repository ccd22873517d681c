package dev.bastion.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.helidon.common.buffers.BufferData;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The keep-alive pool's reuse check and the rule that decides whether a request may go out again. */
class ConnectionPoolTest {
  private ServerSocket server;
  private ConnectionPool pool;

  @BeforeEach
  void open() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Http1ClientConfig config = Http1Client.builder().buildPrototype();
    pool = new ConnectionPool("test", URI.create("http://127.0.0.1:" + server.getLocalPort() + "/mcp"), config.tls(), Duration.ofSeconds(10),
        config.socketOptions(), config.dnsResolver(), config.dnsAddressLookup());
  }

  @AfterEach
  void close() throws IOException {
    pool.close();
    server.close();
  }

  /** Takes a connection from the pool and the server's side of it. */
  private record Pair(PooledConnection client, Socket server) {}

  private Pair connect() throws Exception {
    CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
      try {
        return server.accept();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    PooledConnection c = pool.acquire();
    return new Pair(c, accepted.get(20, TimeUnit.SECONDS));
  }

  @Test
  void anOpenIdleConnectionIsReused() throws Exception {
    Pair p = connect();
    assertThat(p.client().reused()).isFalse();
    p.client().releaseResource();

    PooledConnection again = pool.acquire();

    assertThat(again).isSameAs(p.client());
    assertThat(again.reused()).isTrue();
    assertThat(pool.opened()).isEqualTo(1);
    p.server().close();
  }

  @Test
  void anIdleConnectionTheServerClosedIsNotReused() throws Exception {
    Pair p = connect();
    p.client().releaseResource();
    p.server().close();
    await().atMost(Duration.ofSeconds(20)).until(() -> pool.idleStillOpen() == 0);

    Pair next = connect();

    assertThat(next.client()).isNotSameAs(p.client());
    assertThat(next.client().reused()).isFalse();
    assertThat(p.client().isConnected()).as("the stale connection is closed").isFalse();
    assertThat(pool.opened()).isEqualTo(2);
    next.server().close();
  }

  @Test
  void anIdleConnectionOnWhichTheServerSentBytesUnaskedIsNotReused() throws Exception {
    Pair p = connect();
    p.client().releaseResource();
    p.server().getOutputStream().write("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    p.server().getOutputStream().flush();
    await().atMost(Duration.ofSeconds(20)).until(() -> pool.idleStillOpen() == 0);

    Pair next = connect();

    assertThat(next.client()).isNotSameAs(p.client());
    assertThat(pool.opened()).isEqualTo(2);
    p.server().close();
    next.server().close();
  }

  @Test
  void aWriteRefusedBecauseTheServerResetTheConnectionSentNothingAndMayGoOutAgain() throws Exception {
    Pair p = connect();
    p.server().setSoLinger(true, 0);
    p.server().close(); // a reset: the next write fails without the kernel taking a byte
    PooledConnection c = p.client();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      c.lease(true, -1);
      try {
        c.writer().write(BufferData.create("POST /mcp HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        return false; // the reset had not arrived yet: that write went nowhere, try again
      } catch (UncheckedIOException e) {
        return true;
      }
    });

    assertThat(c.refusedBeforeAnyByte()).isTrue();
  }

  @Test
  void aRequestWhoseWriteSucceededIsNeverDeemedUnsent() throws Exception {
    Pair p = connect();
    PooledConnection c = p.client();
    c.writer().write(BufferData.create("POST /mcp HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}".getBytes(StandardCharsets.US_ASCII)));
    p.server().setSoLinger(true, 0);
    p.server().close(); // the server had the request, then the connection died before any answer

    assertThatThrownBy(() -> c.reader().readBuffer()).isInstanceOf(RuntimeException.class);
    assertThat(c.refusedBeforeAnyByte()).isFalse();
  }

  @Test
  void aWriteThatFailsBecauseThisSideClosedTheConnectionIsNeverDeemedUnsent() throws Exception {
    Pair p = connect();
    PooledConnection c = p.client();
    c.closeResource(); // an abort (cancel, timeout, shutdown) closes the connection under the writer

    assertThatThrownBy(() -> c.writer().write(BufferData.create("POST /mcp HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII))))
        .isInstanceOf(UncheckedIOException.class);
    assertThat(c.refusedBeforeAnyByte()).isFalse();
    p.server().close();
  }

  @Test
  void anAnswerWithBytesLeftOverIsNotPooled() throws Exception {
    Pair p = connect();
    p.server().getOutputStream().write("ab".getBytes(StandardCharsets.US_ASCII));
    p.server().getOutputStream().flush();
    assertThat(p.client().reader().readBytes(1)).containsExactly('a');

    p.client().releaseResource();

    assertThat(pool.idle()).isZero();
    assertThat(p.client().isConnected()).isFalse();
    p.server().close();
  }

  @Test
  void anInterruptedThreadGetsNoConnectionAndLeavesTheIdleOnesOpen() throws Exception {
    Pair p = connect();
    p.client().releaseResource();

    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> pool.acquire()).isInstanceOf(UncheckedIOException.class);
    } finally {
      Thread.interrupted();
    }

    assertThat(pool.acquire()).as("the idle connection was not touched").isSameAs(p.client());
    p.server().close();
  }

  @Test
  void anAbortClosesTheConnectionOnlyWhileItCarriesTheAbortedRequest() throws Exception {
    Pair p = connect();
    long first = p.client().lease();
    p.client().releaseResource();
    PooledConnection again = pool.acquire(); // another request took the connection over
    assertThat(again).isSameAs(p.client());

    again.abort(first); // the first request's late abort

    assertThat(again.isConnected()).as("the later request's connection is left alone").isTrue();
    again.abort(again.lease());
    assertThat(again.isConnected()).isFalse();
    p.server().close();
  }

  @Test
  void aClosedPoolKeepsNothing() throws Exception {
    Pair p = connect();
    pool.close();

    p.client().releaseResource();

    assertThat(pool.idle()).isZero();
    assertThat(p.client().isConnected()).isFalse();
    assertThatThrownBy(() -> pool.acquire()).isInstanceOf(IllegalStateException.class);
    p.server().close();
  }
}
