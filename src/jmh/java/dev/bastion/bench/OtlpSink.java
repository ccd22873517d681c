package dev.bastion.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The telemetry-overhead benchmark's collector: accepts OTLP/HTTP exports ({@code POST
 * /v1/traces}, {@code /v1/metrics}, {@code /v1/logs}), reads each body to its end and discards it,
 * and answers {@code 200} with an empty protobuf response (an empty {@code Export*ServiceResponse}
 * is zero bytes: full success). It counts requests and bytes so that the benchmark can show the
 * exporter really sent something. Runs on the JDK's built-in server with a virtual thread per
 * request.
 *
 * <pre>
 *   java -cp ... dev.bastion.bench.OtlpSink 127.0.0.1 18107
 * </pre>
 */
public final class OtlpSink implements AutoCloseable {
  private final HttpServer server;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  private OtlpSink(HttpServer server) {
    this.server = server;
  }

  /** Starts on {@code host:port} (port 0 picks a free one). */
  public static OtlpSink start(String host, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 256);
    OtlpSink sink = new OtlpSink(server);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/", sink::serve);
    server.createContext("/stats", sink::stats);
    server.start();
    return sink;
  }

  /** The OTLP/HTTP base URL (the exporters append {@code /v1/traces} and {@code /v1/metrics}). */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public long requests() {
    return requests.get();
  }

  public long bytes() {
    return bytes.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"POST".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "POST");
        ex.sendResponseHeaders(405, -1);
        return;
      }
      long n = 0;
      byte[] buf = new byte[16 * 1024];
      try (InputStream in = ex.getRequestBody()) {
        for (int r; (r = in.read(buf)) > 0; ) {
          n += r;
        }
      }
      requests.incrementAndGet();
      bytes.addAndGet(n);
      ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      ex.sendResponseHeaders(200, -1);
    }
  }

  private void stats(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ("requests=" + requests.get() + " bytes=" + bytes.get() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: OtlpSink <host> <port>");
      System.exit(2);
    }
    OtlpSink sink = start(args[0], Integer.parseInt(args[1]));
    System.out.println("otlp-sink: ready on " + sink.url());
    System.out.flush();
    new java.util.concurrent.CountDownLatch(1).await();
  }
}
