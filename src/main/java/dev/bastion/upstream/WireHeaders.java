package dev.bastion.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The header checks and encodings of the HTTP transport, as plain character scans (they run for
 * every call, so no regular expressions): which configured headers may be sent, the W3C trace
 * context repeated from {@code params._meta}, the 2026-07-28 {@code Mcp-Name} value and the
 * session ids a server issues.
 */
final class WireHeaders {
  /** Headers the gateway manages itself; an operator cannot configure them. */
  static final Set<String> MANAGED =
      Set.of("accept", "content-type", "mcp-session-id", "mcp-protocol-version", "mcp-method", "mcp-name", "last-event-id");
  /** Headers the HTTP/1.1 transport owns (the same names the JDK client refuses, plus framing ones). */
  static final Set<String> TRANSPORT =
      Set.of("connection", "content-length", "expect", "host", "upgrade", "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection");

  private static final String ENCODED_PREFIX = "=?base64?";
  private static final String ENCODED_SUFFIX = "?=";
  private static final int TRACESTATE_MAX = 512;
  private static final int SESSION_ID_MAX = 1024;

  private WireHeaders() {}

  /** Whether a configured header is a valid HTTP field (RFC 9110 token name, visible value) that the transport does not own. */
  static boolean sendable(String header, String value) {
    if (!isToken(header) || TRANSPORT.contains(header.toLowerCase(Locale.ROOT))) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7F || c > 0xFF) {
        return false;
      }
    }
    return true;
  }

  /** RFC 9110 {@code token}: one or more of {@code !#$%&'*+-.^_`|~}, digits and ASCII letters. */
  static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** A W3C {@code traceparent} as the gateway writes it: {@code 2hex-32hex-16hex-2hex}, lower case. */
  static boolean isTraceparent(String s) {
    if (s.length() != 55 || s.charAt(2) != '-' || s.charAt(35) != '-' || s.charAt(52) != '-') {
      return false;
    }
    for (int i = 0; i < 55; i++) {
      if (i != 2 && i != 35 && i != 52 && !isLowerHex(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** A {@code tracestate} the gateway repeats: 1 to 512 printable ASCII characters other than the double quote. */
  static boolean isTracestate(String s) {
    if (s.isEmpty() || s.length() > TRACESTATE_MAX) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7E || c == '"') {
        return false;
      }
    }
    return true;
  }

  private static boolean isLowerHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }

  /** What {@link #traceHeaders} found: both may be null. */
  record Trace(String traceparent, String tracestate) {
    static final Trace NONE = new Trace(null, null);
  }

  /**
   * The W3C trace context the gateway put in {@code params._meta} (see dev.bastion.telemetry),
   * repeated as {@code traceparent}/{@code tracestate} headers for HTTP-level tracing. Only
   * well-formed values are sent, so nothing an agent wrote can inject a header.
   */
  static Trace traceHeaders(ObjectNode params) {
    if (params == null || !(params.get("_meta") instanceof ObjectNode meta)) {
      return Trace.NONE;
    }
    JsonNode tp = meta.get("traceparent");
    if (tp == null || !tp.isString() || !isTraceparent(tp.asString())) {
      return Trace.NONE;
    }
    JsonNode ts = meta.get("tracestate");
    return new Trace(tp.asString(), ts != null && ts.isString() && isTracestate(ts.asString()) ? ts.asString() : null);
  }

  /** The value of the 2026-07-28 {@code Mcp-Name} header for a call, or null when the method names nothing. */
  static String mcpName(String method, ObjectNode params) {
    JsonNode v =
        switch (method) {
          case "tools/call", "prompts/get" -> params.get("name");
          case "resources/read" -> params.get("uri");
          default -> null;
        };
    return v != null && v.isString() ? v.asString() : null;
  }

  /** A header value as 2026-07-28 wants it: plain when header-safe ASCII, else {@code =?base64?…?=}. */
  static String headerValue(String value) {
    boolean plain = !value.isEmpty() && !looksEncoded(value)
        && value.charAt(0) != ' ' && value.charAt(0) != '\t'
        && value.charAt(value.length() - 1) != ' ' && value.charAt(value.length() - 1) != '\t';
    for (int i = 0; plain && i < value.length(); i++) {
      char c = value.charAt(i);
      plain = c >= 0x20 && c <= 0x7E;
    }
    return plain ? value : ENCODED_PREFIX + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + ENCODED_SUFFIX;
  }

  /** Whether a value already has the encoded form {@code =?base64?…?=} (so sending it plain would be ambiguous). */
  private static boolean looksEncoded(String value) {
    return value.length() >= ENCODED_PREFIX.length() + ENCODED_SUFFIX.length()
        && value.startsWith(ENCODED_PREFIX) && value.endsWith(ENCODED_SUFFIX);
  }

  /** A session id the server issued if it is visible ASCII of at most 1024 characters, else null. */
  static String sessionId(String id) {
    if (id.length() > SESSION_ID_MAX) {
      return null;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        return null;
      }
    }
    return id;
  }
}
