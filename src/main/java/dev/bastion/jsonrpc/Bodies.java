package dev.bastion.jsonrpc;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reading a JSON-RPC message body off an HTTP entity stream, bounded: one reader for the agent's
 * requests (mcp/McpEndpoint) and the upstreams' answers (upstream/HttpAnswers).
 */
public final class Bodies {
  private Bodies() {}

  /**
   * A body of a declared length (already checked against the cap), read into an array of exactly
   * that size: asking the stream for the cap instead makes the JDK and Helidon allocate buffers of
   * 16 KB and more per body, for bodies that are mostly a few hundred bytes. A body that ends early
   * yields what arrived (and fails to decode); one that goes on is null, like one over the cap. The
   * final read sees the end of the entity, which is what keeps the connection usable.
   */
  public static byte[] readDeclared(InputStream in, int length) throws IOException {
    byte[] bytes = new byte[length];
    int n = in.readNBytes(bytes, 0, length);
    if (n == length && in.read() >= 0) {
      return null; // more than declared
    }
    return n == length ? bytes : Arrays.copyOf(bytes, n);
  }

  /** Reads at most {@code max} bytes; null if there were more. */
  public static byte[] readBounded(InputStream in, int max) throws IOException {
    byte[] bytes = in.readNBytes(max + 1);
    return bytes.length > max ? null : bytes;
  }
}
