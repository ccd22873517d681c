package dev.bastion.upstream;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * What every upstream connection shares with the gateway: the codec (its nesting, string and number
 * limits apply to upstream messages; its body limit is raised to {@code maxResponseBytes}), the
 * default per-call timeout, the response size cap, the listener for server-initiated
 * notifications and the handler of server-initiated requests and dropped messages.
 */
public record UpstreamContext(
    JsonRpcCodec codec, Duration defaultTimeout, int maxResponseBytes, Upstream.Listener listener, ServerMessages serverMessages) {

  /** Without inspection of server-initiated messages ({@link ServerMessages#REFUSE}). */
  public UpstreamContext(JsonRpcCodec codec, Duration defaultTimeout, int maxResponseBytes, Upstream.Listener listener) {
    this(codec, defaultTimeout, maxResponseBytes, listener, ServerMessages.REFUSE);
  }

  public UpstreamContext {
    Objects.requireNonNull(serverMessages, "serverMessages");
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(defaultTimeout, "defaultTimeout");
    Objects.requireNonNull(listener, "listener");
    if (maxResponseBytes <= 0) {
      throw new IllegalArgumentException("maxResponseBytes must be positive, got " + maxResponseBytes);
    }
    if (defaultTimeout.isNegative() || defaultTimeout.isZero()) {
      throw new IllegalArgumentException("defaultTimeout must be positive, got " + defaultTimeout);
    }
  }

  /** A codec with the same limits as {@link #codec()} except a body limit of {@link #maxResponseBytes()}. */
  JsonRpcCodec responseCodec() {
    JsonRpcLimits l = codec.limits();
    if (l.maxBodyBytes() == maxResponseBytes) {
      return codec;
    }
    return new JsonRpcCodec(new JsonRpcLimits(maxResponseBytes, l.maxNestingDepth(), l.maxStringLength(), l.maxNumberLength()));
  }
}
