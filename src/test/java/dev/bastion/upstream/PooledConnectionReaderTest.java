package dev.bastion.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.common.buffers.DataReader;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A kept-alive connection reads each answer through a reader of its own, so that Helidon's reader (whose
 * consumed buffers keep a link to every later one) never outlives one exchange; the answers stay byte-exact,
 * also when they arrive in several socket reads or chunked.
 */
class PooledConnectionReaderTest {
  private static final int EXCHANGES = 60;
  private static final long WAIT_SECONDS = 20;

  private ServerSocket server;
  private ConnectionPool pool;
  private Http1Client client;

  @BeforeEach
  void open() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    URI url = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/mcp");
    client = Http1Client.builder().baseUri(url).shareConnectionCache(false).servicesDiscoverServices(false).build();
    Http1ClientConfig config = client.prototype();
    pool = new ConnectionPool("test", url, config.tls(), Duration.ofSeconds(10), config.socketOptions(), config.dnsResolver(), config.dnsAddressLookup());
  }

  @AfterEach
  void close() throws IOException {
    pool.close();
    client.closeResource();
    server.close();
  }

  /** One scripted answer: its wire bytes in parts, and how many entity bytes the client has once it read each part. */
  private record Answer(byte[] body, List<byte[]> parts, List<Integer> bodyAfter) {}

  private static byte[] body(int i, int length) {
    byte[] b = new byte[length];
    for (int k = 0; k < length; k++) {
      b[k] = (byte) ('a' + (i * 7 + k) % 26);
    }
    return b;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = new byte[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  /** Exchange {@code i}: a JSON answer in one write, one in three writes, or an SSE stream in chunks, one write each. */
  private static Answer answer(int i) {
    int length = 1 + (i * 997) % 20_000; // beyond one socket read for some
    byte[] body = body(i, length);
    switch (i % 3) {
      case 0 -> {
        byte[] head = ascii("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n");
        return new Answer(body, List.of(concat(head, body)), List.of(length));
      }
      case 1 -> {
        byte[] head = ascii("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n");
        int a = length / 3;
        int b = 2 * length / 3;
        return new Answer(body,
            List.of(concat(head, java.util.Arrays.copyOfRange(body, 0, a)), java.util.Arrays.copyOfRange(body, a, b), java.util.Arrays.copyOfRange(body, b, length)),
            List.of(a, b, length));
      }
      default -> {
        List<byte[]> parts = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] head = ascii("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int e = 0; e < 3; e++) {
          byte[] event = concat(concat(ascii("event: message\ndata: "), body(i + e, 1 + (length / 3))), ascii("\n\n"));
          byte[] chunk = concat(concat(ascii(Integer.toHexString(event.length) + "\r\n"), event), ascii("\r\n"));
          all.writeBytes(event);
          parts.add(e == 0 ? concat(head, chunk) : chunk);
          after.add(all.size());
        }
        parts.add(ascii("0\r\n\r\n"));
        after.add(all.size());
        return new Answer(all.toByteArray(), parts, after);
      }
    }
  }

  /** Reads one request head (the client's GETs carry no entity). */
  private static void readRequest(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = ascii("\r\n\r\n");
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the client closed the connection");
      }
      matched = b == end[matched] ? matched + 1 : b == end[0] ? 1 : 0;
    }
  }

  /**
   * Serves {@code count} answers on one accepted connection; before each further part it waits until the
   * client has read everything sent so far, so that the parts arrive in separate socket reads.
   */
  private CompletableFuture<Void> serve(int count, BlockingQueue<Integer> progress, BlockingQueue<Boolean> gate) {
    return CompletableFuture.runAsync(() -> {
      try (Socket s = server.accept()) {
        s.setTcpNoDelay(true);
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        for (int i = 0; i < count; i++) {
          readRequest(in);
          Answer a = answer(i);
          for (int p = 0; p < a.parts().size(); p++) {
            out.write(a.parts().get(p));
            out.flush();
            if (p < a.parts().size() - 1) {
              progress.put(a.bodyAfter().get(p));
              if (gate.poll(WAIT_SECONDS, TimeUnit.SECONDS) == null) {
                throw new IllegalStateException("the client did not read part " + p + " of answer " + i);
              }
            }
          }
        }
        in.read(); // until the client closes
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** Runs exchange {@code i} on a pooled connection and returns its entity as read. */
  private byte[] exchange(int i, BlockingQueue<Integer> progress, BlockingQueue<Boolean> gate, List<PooledConnection> used) throws Exception {
    PooledConnection c = pool.acquire();
    used.add(c);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try (HttpClientResponse response = client.get().connection(c).request()) {
      InputStream in = response.inputStream();
      byte[] buf = new byte[4096];
      for (int p = 0; p < answer(i).parts().size() - 1; p++) {
        Integer target = progress.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(target).as("part %d of answer %d was sent", p, i).isNotNull();
        while (got.size() < target) {
          int n = in.read(buf);
          assertThat(n).as("answer %d ended early", i).isPositive();
          got.write(buf, 0, n);
        }
        gate.put(true);
      }
      got.writeBytes(in.readAllBytes());
    }
    return got.toByteArray();
  }

  @Test
  void aKeptAliveConnectionReadsEveryAnswerByteExactThroughAReaderOfItsOwn() throws Exception {
    BlockingQueue<Integer> progress = new LinkedBlockingQueue<>();
    BlockingQueue<Boolean> gate = new LinkedBlockingQueue<>();
    CompletableFuture<Void> served = serve(EXCHANGES, progress, gate);
    List<PooledConnection> used = new ArrayList<>();
    Set<DataReader> readers = Collections.newSetFromMap(new IdentityHashMap<>());

    for (int i = 0; i < EXCHANGES; i++) {
      byte[] got = exchange(i, progress, gate, used);
      assertThat(got).as("answer %d", i).isEqualTo(answer(i).body());
      readers.add(used.get(i).reader());
    }

    assertThat(pool.opened()).as("one kept-alive connection carried every exchange").isEqualTo(1);
    assertThat(used).allSatisfy(c -> assertThat(c).isSameAs(used.getFirst()));
    assertThat(readers).as("a reader per exchange").hasSize(EXCHANGES);
    assertThat(pool.idle()).isEqualTo(1);
    pool.close();
    served.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void theReaderOfAFinishedExchangeIsCollectableWhileTheConnectionIsStillPooled() throws Exception {
    // every node of Helidon's reader (and the buffer it holds) refers to its reader: a reader that can be
    // collected takes all it ever read with it
    Class<?> node = Class.forName("io.helidon.common.buffers.DataReader$Node");
    assertThat(Modifier.isStatic(node.getModifiers())).as("DataReader.Node is an inner class").isFalse();
    BlockingQueue<Integer> progress = new LinkedBlockingQueue<>();
    BlockingQueue<Boolean> gate = new LinkedBlockingQueue<>();
    CompletableFuture<Void> served = serve(2, progress, gate);
    List<PooledConnection> used = new ArrayList<>();

    assertThat(exchange(0, progress, gate, used)).isEqualTo(answer(0).body());
    WeakReference<DataReader> first = new WeakReference<>(used.getFirst().reader());
    assertThat(exchange(1, progress, gate, used)).isEqualTo(answer(1).body());

    assertThat(pool.idle()).as("the connection is pooled").isEqualTo(1);
    for (int i = 0; i < 50 && first.get() != null; i++) {
      System.gc();
    }
    assertThat(first.get()).as("the first exchange's reader was collected").isNull();
    assertThat(used.get(1)).isSameAs(used.getFirst());
    pool.close();
    served.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void aLeaseKeepsTheReaderWhileItHoldsUnreadBytes() throws Exception {
    CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
      try {
        return server.accept();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    PooledConnection c = pool.acquire();
    try (Socket s = accepted.get(WAIT_SECONDS, TimeUnit.SECONDS)) {
      s.getOutputStream().write(ascii("ab"));
      s.getOutputStream().flush();
      DataReader reader = c.reader();
      assertThat(reader.readBytes(1)).containsExactly('a');
      while (reader.available() == 0) {
        reader.ensureAvailable(); // "b" may come in a read of its own
      }

      c.lease(true, 42);

      assertThat(c.reader()).isSameAs(reader);
      assertThat(c.reader().readBytes(1)).containsExactly('b');
      c.lease(true, 43);
      assertThat(c.reader()).as("nothing left unread: a fresh reader").isNotSameAs(reader);
    }
  }
}
