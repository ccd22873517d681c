package dev.bastion.telemetry;

import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientConfig;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webclient.http1.Http1ClientResponse;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.HttpResponse;
import io.opentelemetry.sdk.common.export.HttpSender;
import io.opentelemetry.sdk.common.export.HttpSenderConfig;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * OTLP over HTTP ({@code http/protobuf}) for the SDK's {@code OtlpHttp*Exporter}s, sent with
 * Helidon's HTTP/1.1 client — the client the gateway already uses for its HTTP upstreams — in
 * place of the SDK's JDK {@code HttpClient} sender. Measured under the load benchmark, the JDK
 * client's asynchronous machinery (a selector thread, worker threads and a completion-stage chain
 * per request, the body handed over in 16 KB buffers) cost about as much CPU per exported span as
 * encoding the span; this sender writes the encoded body to a kept-alive connection from the
 * calling thread ({@code docs/observability.md}, <i>Overhead</i>).
 *
 * <p>One export is one {@code POST} of the encoded request to the configured endpoint, with the
 * configured headers and the exporter's {@code Content-Type}, compressed when the exporter asks
 * for it. As the SDK's senders do, responses 429, 502, 503 and 504 and transport failures other
 * than TLS ones are retried under the exporter's {@link RetryPolicy} (jittered exponential
 * backoff, within the export timeout); the exporter interprets the final status.
 */
final class Http1Sender implements HttpSender {
  /** Hands this sender to an {@code OtlpHttp*ExporterBuilder} (no service-loader look-up). */
  static final ComponentLoader COMPONENTS = new ComponentLoader() {
    private final ComponentLoader classpath = ComponentLoader.forClassLoader(Http1Sender.class.getClassLoader());

    @Override
    @SuppressWarnings("unchecked")
    public <T> Iterable<T> load(Class<T> spi) {
      if (spi == HttpSenderProvider.class) {
        return List.of((T) (HttpSenderProvider) Http1Sender::new);
      }
      return classpath.load(spi);
    }
  };

  private static final Set<Integer> RETRYABLE = Set.of(429, 502, 503, 504);
  private static final HeaderName CONTENT_ENCODING = HeaderNames.CONTENT_ENCODING;

  private final Http1Client client;
  private final URI endpoint;
  private final String contentType;
  private final Compressor compressor;
  private final Duration timeout;
  private final Supplier<Map<String, List<String>>> headers;
  private final RetryPolicy retry;
  private final long maxResponseBytes;
  private final ExecutorService executor;
  private final boolean ownExecutor;

  Http1Sender(HttpSenderConfig config) {
    this.endpoint = config.getEndpoint();
    this.contentType = config.getContentType();
    this.compressor = config.getCompressor();
    this.timeout = config.getTimeout();
    this.headers = config.getHeadersSupplier();
    this.retry = config.getRetryPolicy();
    this.maxResponseBytes = config.getMaxResponseBodySize() > 0 ? config.getMaxResponseBodySize() : 4L << 20;
    Http1ClientConfig.Builder b =
        Http1Client.builder()
            .followRedirects(false)
            .connectTimeout(config.getConnectTimeout())
            .readTimeout(timeout)
            .shareConnectionCache(false)
            .servicesDiscoverServices(false)
            .proxy(Proxy.noProxy())
            .contentEncoding(c -> c.contentEncodingsDiscoverServices(false))
            .sendExpectContinue(false);
    if ("https".equalsIgnoreCase(endpoint.getScheme())) {
      var tls = Tls.builder();
      if (config.getSslContext() != null) {
        tls.sslContext(config.getSslContext());
      }
      b.tls(tls.build());
    }
    this.client = b.build();
    this.ownExecutor = config.getExecutorService() == null;
    this.executor = ownExecutor ? Executors.newVirtualThreadPerTaskExecutor() : config.getExecutorService();
  }

  @Override
  public void send(MessageWriter writer, Consumer<HttpResponse> onResponse, Consumer<Throwable> onError) {
    byte[] body;
    try {
      body = ExportCalls.encode(writer, compressor);
    } catch (IOException | RuntimeException e) {
      onError.accept(e);
      return;
    }
    ExportCalls.dispatch(executor, () -> postWithRetries(body), onResponse, onError);
  }

  private HttpResponse postWithRetries(byte[] body) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int attempts = retry == null ? 1 : Math.max(1, retry.getMaxAttempts());
    long initial = retry == null ? 0 : retry.getInitialBackoff().toNanos();
    return ExportCalls.withRetries(attempts, initial, () -> post(body), a -> RETRYABLE.contains(a.getStatusCode()), this::retryable,
        (attempt, backoffNanos) -> {
          long current = Math.min(backoffNanos, retry.getMaxBackoff().toNanos());
          long sleep = (long) (ThreadLocalRandom.current().nextDouble(0.8, 1.2) * current);
          if (System.nanoTime() + sleep >= deadline) {
            throw new IOException("OTLP export to " + endpoint + " not accepted before the export timeout (" + attempt + " attempts)");
          }
          Thread.sleep(Duration.ofNanos(sleep));
          return (long) (current * retry.getBackoffMultiplier());
        });
  }

  /** The policy's predicate if it has one; otherwise every transport failure but a TLS one is worth another try. */
  private boolean retryable(IOException e) {
    if (retry != null && retry.getRetryExceptionPredicate() != null) {
      return retry.getRetryExceptionPredicate().test(e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return false;
      }
    }
    return true;
  }

  private Answer post(byte[] body) {
    Http1ClientRequest request = client.post().uri(endpoint).header(HeaderNames.CONTENT_TYPE, contentType);
    if (compressor != null) {
      request.header(CONTENT_ENCODING, compressor.getEncoding());
    }
    Map<String, List<String>> extra = headers == null ? null : headers.get();
    if (extra != null) {
      extra.forEach((name, values) -> request.header(HeaderNames.create(name), values));
    }
    try (Http1ClientResponse response = request.submit(body)) {
      byte[] answer;
      try (InputStream in = response.inputStream()) {
        answer = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxResponseBytes + 1));
        if (answer.length > maxResponseBytes) {
          answer = new byte[0]; // too large to keep: the exporter needs only the status then
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      int status = response.status().code();
      return new Answer(status, response.status().reasonPhrase(), answer);
    }
  }

  @Override
  public CompletableResultCode shutdown() {
    client.closeResource();
    if (ownExecutor) {
      executor.shutdown();
    }
    return CompletableResultCode.ofSuccess();
  }

  private record Answer(int getStatusCode, String getStatusMessage, byte[] getResponseBody) implements HttpResponse {}
}
