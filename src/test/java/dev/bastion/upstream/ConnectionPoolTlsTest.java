package dev.bastion.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.tls.Tls;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keep-alive pool over TLS: the handshake, reuse after an exchange, and the reuse check under TLS. */
class ConnectionPoolTlsTest {
  private static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir Path dir;
  private SSLServerSocket server;
  private ConnectionPool pool;

  @BeforeEach
  void open() throws Exception {
    Path store = dir.resolve("server.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", new String(PASSWORD),
                "-alias", "server", "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2")
            .redirectErrorStream(true)
            .start();
    String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(keytool.exitValue()).as(out).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD);
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);
    server = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());

    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, tmf.getTrustManagers(), null);
    Http1ClientConfig config = Http1Client.builder().buildPrototype();
    Tls tls = Tls.builder().sslContext(clientContext).build();
    pool = new ConnectionPool("test", URI.create("https://127.0.0.1:" + server.getLocalPort() + "/mcp"), tls, Duration.ofSeconds(20),
        config.socketOptions(), config.dnsResolver(), config.dnsAddressLookup());
  }

  @AfterEach
  void close() throws IOException {
    pool.close();
    server.close();
  }

  /** One request and answer of a few bytes, so that the TLS session's post-handshake messages are read too. */
  private static void exchange(PooledConnection c, SSLSocket peer) throws IOException {
    c.writer().write(BufferData.create("ping\n".getBytes(StandardCharsets.US_ASCII)));
    byte[] got = peer.getInputStream().readNBytes(5);
    assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("ping\n");
    peer.getOutputStream().write("pong\n".getBytes(StandardCharsets.US_ASCII));
    peer.getOutputStream().flush();
    assertThat(new String(c.reader().readBytes(5), StandardCharsets.US_ASCII)).isEqualTo("pong\n");
  }

  @Test
  void aTlsConnectionIsReusedWhileOpenAndReplacedOnceTheServerClosedIt() throws Exception {
    CompletableFuture<SSLSocket> accepted = CompletableFuture.supplyAsync(() -> {
      try {
        SSLSocket s = (SSLSocket) server.accept();
        s.startHandshake();
        return s;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    PooledConnection c = pool.acquire();
    SSLSocket peer = accepted.get(60, TimeUnit.SECONDS);
    assertThat(c.helidonSocket().isSecure()).isTrue();
    exchange(c, peer);
    c.releaseResource();

    PooledConnection again = pool.acquire();
    assertThat(again).as("an open TLS connection is reused").isSameAs(c);
    exchange(again, peer);
    again.releaseResource();

    peer.close();
    await().atMost(Duration.ofSeconds(20)).until(() -> pool.idleStillOpen() == 0);
    CompletableFuture<SSLSocket> second = CompletableFuture.supplyAsync(() -> {
      try {
        SSLSocket s = (SSLSocket) server.accept();
        s.startHandshake();
        return s;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    PooledConnection next = pool.acquire();
    second.get(60, TimeUnit.SECONDS).close();

    assertThat(next).isNotSameAs(c);
    assertThat(pool.opened()).isEqualTo(2);
  }
}
