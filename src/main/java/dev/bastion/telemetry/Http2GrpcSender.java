package dev.bastion.telemetry;

import io.helidon.common.tls.Tls;
import io.helidon.http.ClientResponseHeaders;
import io.helidon.http.ClientResponseTrailers;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webclient.api.WebClientServiceRequest;
import io.helidon.webclient.api.WebClientServiceResponse;
import io.helidon.webclient.http2.Http2Client;
import io.helidon.webclient.http2.Http2ClientConfig;
import io.helidon.webclient.http2.Http2ClientProtocolConfig;
import io.helidon.webclient.http2.Http2ClientRequest;
import io.helidon.webclient.http2.Http2ClientResponse;
import io.helidon.webclient.http2.Http2ClientStream;
import io.helidon.webclient.spi.WebClientService;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcSender;
import io.opentelemetry.sdk.common.export.GrpcSenderConfig;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * OTLP over gRPC for the SDK's {@code OtlpGrpc*Exporter}s, sent with Helidon's HTTP/2 client. The
 * JDK's HttpClient (Bastion's OTLP/HTTP sender) cannot do it: it exposes no HTTP/2 trailers, where
 * gRPC puts a call's status, and speaks cleartext HTTP/2 only after an HTTP/1.1 upgrade, which gRPC
 * servers refuse. The okhttp sender would ship okhttp and Kotlin, the grpc-java one grpc-java and
 * Netty; this one reuses the HTTP/2 stack of the web server and client Bastion already ships.
 *
 * <p>An export is one unary call: {@code POST {endpoint}/{service}/Export} with the protobuf
 * request in one length-prefixed message ({@code application/grpc}), cleartext HTTP/2 with prior
 * knowledge for {@code http://} endpoints, TLS with ALPN {@code h2} for {@code https://}. The status
 * comes from {@code grpc-status} in the trailers (or in the headers of a trailers-only answer). What
 * the SDK's {@link RetryPolicy} deems transient (the gRPC codes the OTLP specification names as
 * retryable, and I/O failures) is retried with jittered exponential backoff on a virtual thread;
 * the exporter itself interprets the final status.
 */
final class Http2GrpcSender implements GrpcSender {
  /** Hands this sender to an {@code OtlpGrpc*ExporterBuilder} (no service-loader look-up). */
  static final ComponentLoader COMPONENTS = new ComponentLoader() {
    private final ComponentLoader classpath = ComponentLoader.forClassLoader(Http2GrpcSender.class.getClassLoader());

    @Override
    @SuppressWarnings("unchecked")
    public <T> Iterable<T> load(Class<T> spi) {
      if (spi == GrpcSenderProvider.class) {
        return List.of((T) (GrpcSenderProvider) Http2GrpcSender::new);
      }
      return classpath.load(spi);
    }
  };

  private static final HeaderName GRPC_STATUS = HeaderNames.create("grpc-status");
  private static final HeaderName GRPC_MESSAGE = HeaderNames.create("grpc-message");
  private static final HeaderName GRPC_ENCODING = HeaderNames.create("grpc-encoding");
  private static final HeaderName GRPC_TIMEOUT = HeaderNames.create("grpc-timeout");
  /** The codes the OTLP specification lists as retryable. */
  private static final Set<GrpcStatusCode> RETRYABLE = Set.of(
      GrpcStatusCode.CANCELLED, GrpcStatusCode.DEADLINE_EXCEEDED, GrpcStatusCode.RESOURCE_EXHAUSTED, GrpcStatusCode.ABORTED,
      GrpcStatusCode.OUT_OF_RANGE, GrpcStatusCode.UNAVAILABLE, GrpcStatusCode.DATA_LOSS);

  private final Http2Client client;
  private final URI target;
  private final boolean cleartext;
  private final Duration timeout;
  private final Compressor compressor;
  private final java.util.function.Supplier<Map<String, List<String>>> headers;
  private final RetryPolicy retry;
  private final long maxResponseBytes;
  private final ExecutorService executor;
  private final boolean ownExecutor;

  Http2GrpcSender(GrpcSenderConfig config) {
    URI endpoint = config.getEndpoint();
    String base = endpoint.toString();
    this.target = URI.create((base.endsWith("/") ? base : base + "/") + config.getFullMethodName());
    this.cleartext = "http".equalsIgnoreCase(endpoint.getScheme());
    this.timeout = config.getTimeout();
    this.compressor = config.getCompressor();
    this.headers = config.getHeadersSupplier();
    this.retry = config.getRetryPolicy();
    this.maxResponseBytes = config.getMaxResponseBodySize() > 0 ? config.getMaxResponseBodySize() : 4L << 20;
    Http2ClientConfig.Builder b = Http2Client.builder()
        .protocolConfig(Http2ClientProtocolConfig.builder().priorKnowledge(cleartext).build())
        .shareConnectionCache(false)
        .connectTimeout(config.getConnectTimeout())
        .readTimeout(timeout)
        .servicesDiscoverServices(false)
        .addService(new UnannouncedTrailers());
    if (!cleartext) {
      var tls = Tls.builder().addApplicationProtocols(List.of("h2"));
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
  public void send(MessageWriter writer, Consumer<GrpcResponse> onResponse, Consumer<Throwable> onError) {
    byte[] framed;
    try {
      framed = frame(ExportCalls.encode(writer, compressor));
    } catch (IOException | RuntimeException e) {
      onError.accept(e);
      return;
    }
    ExportCalls.dispatch(executor, () -> callWithRetries(framed), onResponse, onError);
  }

  /** One gRPC message: a compressed flag, a 4-byte big-endian length, the (compressed) protobuf. */
  private byte[] frame(byte[] payload) {
    ByteBuffer out = ByteBuffer.allocate(5 + payload.length);
    out.put((byte) (compressor != null ? 1 : 0)).putInt(payload.length).put(payload);
    return out.array();
  }

  private GrpcResponse callWithRetries(byte[] framed) throws IOException, InterruptedException {
    int attempts = retry == null ? 1 : Math.max(1, retry.getMaxAttempts());
    long initial = retry == null ? 0 : retry.getInitialBackoff().toNanos();
    return ExportCalls.withRetries(attempts, initial, () -> call(framed), a -> RETRYABLE.contains(a.getStatusCode()), this::retryable,
        (attempt, backoffNanos) -> {
          Thread.sleep(Duration.ofNanos(ThreadLocalRandom.current().nextLong(Math.max(1, backoffNanos))));
          return Math.min((long) (backoffNanos * retry.getBackoffMultiplier()), retry.getMaxBackoff().toNanos());
        });
  }

  /** The policy's predicate if it has one; otherwise every transport failure is worth another try. */
  private boolean retryable(IOException e) {
    return retry.getRetryExceptionPredicate() == null || retry.getRetryExceptionPredicate().test(e);
  }

  private Answer call(byte[] framed) {
    Http2ClientRequest request = client.post()
        .uri(target)
        .priorKnowledge(cleartext)
        .header(HeaderNames.CONTENT_TYPE, "application/grpc")
        .header(HeaderNames.TE, "trailers")
        .header(GRPC_TIMEOUT, timeout.toMillis() + "m");
    if (compressor != null) {
      request.header(GRPC_ENCODING, compressor.getEncoding());
    }
    Map<String, List<String>> extra = headers == null ? null : headers.get();
    if (extra != null) {
      extra.forEach((name, values) -> request.header(HeaderNames.create(name), values));
    }
    try (Http2ClientResponse response = request.submit(framed)) {
      ClientResponseHeaders h = response.headers();
      if (response.status().code() != 200) {
        return new Answer(fromHttp(response.status().code()), "HTTP " + response.status().code(), new byte[0]);
      }
      if (h.contains(GRPC_STATUS)) { // trailers-only: an error before any message
        return new Answer(status(h), message(h), new byte[0]);
      }
      byte[] body;
      try (InputStream in = response.inputStream()) {
        body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxResponseBytes + 5 + 1));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (body.length > maxResponseBytes + 5) {
        return new Answer(GrpcStatusCode.RESOURCE_EXHAUSTED, "response larger than " + maxResponseBytes + " bytes", new byte[0]);
      }
      Headers trailers;
      try {
        trailers = response.trailers();
      } catch (RuntimeException e) {
        return new Answer(GrpcStatusCode.INTERNAL, "the response has no trailers (" + e.getMessage() + ")", new byte[0]);
      }
      if (!trailers.contains(GRPC_STATUS)) {
        return new Answer(GrpcStatusCode.INTERNAL, "no grpc-status in the response's trailers", new byte[0]);
      }
      return new Answer(status(trailers), message(trailers), unframe(body));
    }
  }

  private static byte[] unframe(byte[] body) {
    if (body.length < 5 || body[0] != 0) {
      return new byte[0]; // none, or compressed (never asked for): the exporter needs no response body
    }
    int length = ByteBuffer.wrap(body, 1, 4).getInt();
    if (length < 0 || length > body.length - 5) {
      return new byte[0];
    }
    byte[] message = new byte[length];
    System.arraycopy(body, 5, message, 0, length);
    return message;
  }

  private static GrpcStatusCode status(Headers h) {
    try {
      return GrpcStatusCode.fromValue(Integer.parseInt(h.get(GRPC_STATUS).get().trim()));
    } catch (RuntimeException e) {
      return GrpcStatusCode.UNKNOWN;
    }
  }

  private static String message(Headers h) {
    if (!h.contains(GRPC_MESSAGE)) {
      return "";
    }
    String raw = h.get(GRPC_MESSAGE).get();
    try {
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8); // percent-encoded, '+' is literal
    } catch (IllegalArgumentException e) {
      return raw;
    }
  }

  /** The gRPC specification's mapping of HTTP statuses from servers that are not gRPC servers. */
  private static GrpcStatusCode fromHttp(int http) {
    return switch (http) {
      case 400 -> GrpcStatusCode.INTERNAL;
      case 401 -> GrpcStatusCode.UNAUTHENTICATED;
      case 403 -> GrpcStatusCode.PERMISSION_DENIED;
      case 404 -> GrpcStatusCode.UNIMPLEMENTED;
      case 429, 502, 503, 504 -> GrpcStatusCode.UNAVAILABLE;
      default -> GrpcStatusCode.UNKNOWN;
    };
  }

  @Override
  public CompletableResultCode shutdown() {
    client.closeResource();
    if (ownExecutor) {
      executor.shutdown();
    }
    return CompletableResultCode.ofSuccess();
  }

  /**
   * Helidon's client reads HTTP/2 trailers only when the response announced them in a {@code
   * Trailer} header, which gRPC servers do not send; this client service hands the stream's
   * trailers to the response regardless. Should a Helidon release stop exposing the stream here,
   * the response has no trailers and the export fails with INTERNAL (never a false success).
   */
  private static final class UnannouncedTrailers implements WebClientService {
    @Override
    public WebClientServiceResponse handle(Chain chain, WebClientServiceRequest request) {
      WebClientServiceResponse response = chain.proceed(request);
      if (response.connection() instanceof Http2ClientStream stream && !response.headers().contains(HeaderNames.TRAILER)) {
        return WebClientServiceResponse.builder()
            .from(response)
            .trailers(stream.trailers().thenApply(ClientResponseTrailers::create))
            .build();
      }
      return response;
    }

    @Override
    public String name() {
      return "grpc-trailers";
    }

    @Override
    public String type() {
      return "grpc-trailers";
    }
  }

  private record Answer(GrpcStatusCode getStatusCode, String getStatusDescription, byte[] getResponseMessage) implements GrpcResponse {}
}
