package dev.bastion.mcp;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.ReasonCode;
import io.helidon.webserver.http.ServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Tells the two eras apart and validates what each requires of the transport. A request whose
 * {@code _meta} carries {@code io.modelcontextprotocol/protocolVersion} is stateless (2026-07-28):
 * its envelope must be complete, its version one we speak, and its {@code MCP-Protocol-Version},
 * {@code Mcp-Method} and {@code Mcp-Name} headers must agree with the body, so that anything
 * routing on headers sees what the gateway executes. Anything else is legacy (2025-11-25).
 *
 * @param fault why the request is refused, or null
 */
record EraCheck(Era era, String version, Fault fault) {

  /**
   * Methods that 2026-07-28 removed. A stateless request for one is answered 404 with -32601, as
   * the revision requires of a server that does not implement them; the session-based methods
   * stay available to legacy clients, which send no envelope.
   */
  static final Set<String> REMOVED_IN_STATELESS =
      Set.of("initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe");

  static EraCheck classify(ServerRequest req, JsonRpcMessage message) {
    String headerVersion = McpEndpoint.header(req, McpEndpoint.PROTOCOL_VERSION);
    String method;
    ObjectNode params;
    boolean isRequest;
    switch (message) {
      case JsonRpcMessage.Request r -> {
        method = r.method();
        params = r.params();
        isRequest = true;
      }
      case JsonRpcMessage.Notification n -> {
        method = n.method();
        params = n.params();
        isRequest = false;
      }
      case JsonRpcMessage.Response r -> throw new IllegalArgumentException("responses are not classified");
    }
    JsonNode meta = params.get("_meta");
    JsonNode claimed = meta != null && meta.isObject() ? meta.get(ProtocolVersions.META_PROTOCOL_VERSION) : null;

    if (claimed == null) {
      if (ProtocolVersions.isStatelessEra(headerVersion) && REMOVED_IN_STATELESS.contains(method)) {
        return removed(method);
      }
      if (ProtocolVersions.isStatelessEra(headerVersion) && isRequest) {
        return refuse(
            Era.STATELESS,
            ReasonCode.INVALID_ENVELOPE,
            "MCP-Protocol-Version " + clip(headerVersion) + " needs the per-request envelope: params._meta[\"" + ProtocolVersions.META_PROTOCOL_VERSION + "\"] is missing");
      }
      if (headerVersion != null && !method.equals("initialize") && !ProtocolVersions.LEGACY.contains(headerVersion) && !ProtocolVersions.isStatelessEra(headerVersion)) {
        return unsupported(Era.LEGACY, headerVersion);
      }
      return new EraCheck(Era.LEGACY, headerVersion != null ? headerVersion : "2025-03-26", null);
    }

    if (!claimed.isString()) {
      return refuse(Era.STATELESS, ReasonCode.INVALID_ENVELOPE, "_meta[\"" + ProtocolVersions.META_PROTOCOL_VERSION + "\"] must be a string");
    }
    String version = claimed.asString();
    // The header must agree with the body before anything else is judged: a disagreement is a
    // HeaderMismatch (-32020) even when the body's version is one we do not speak.
    if (headerVersion == null || !headerVersion.equals(version)) {
      return refuse(
          Era.STATELESS,
          ReasonCode.HEADER_MISMATCH,
          "MCP-Protocol-Version header " + (headerVersion == null ? "is missing" : "'" + clip(headerVersion) + "'") + " but the body says '" + clip(version) + "'");
    }
    if (!ProtocolVersions.STATELESS.contains(version)) {
      return unsupported(Era.STATELESS, version);
    }
    if (REMOVED_IN_STATELESS.contains(method)) {
      return removed(method);
    }
    JsonNode caps = meta.get(ProtocolVersions.META_CLIENT_CAPABILITIES);
    if (isRequest && (caps == null || !caps.isObject())) {
      return refuse(
          Era.STATELESS, ReasonCode.INVALID_ENVELOPE, "_meta[\"" + ProtocolVersions.META_CLIENT_CAPABILITIES + "\"] is required and must be an object");
    }
    String headerMethod = McpEndpoint.header(req, McpEndpoint.MCP_METHOD);
    if (isRequest || headerMethod != null) {
      if (headerMethod == null || !headerMethod.equals(method)) {
        return refuse(
            Era.STATELESS,
            ReasonCode.HEADER_MISMATCH,
            "Mcp-Method header " + (headerMethod == null ? "is missing" : "'" + clip(headerMethod) + "'") + " but the body's method is '" + clip(method) + "'");
      }
    }
    String nameField =
        switch (method) {
          case "tools/call", "prompts/get" -> "name";
          case "resources/read" -> "uri";
          default -> null;
        };
    if (nameField != null) {
      String bodyName = params.path(nameField).asString(null);
      String headerName = decodeHeaderValue(McpEndpoint.header(req, McpEndpoint.MCP_NAME));
      if (headerName == null || bodyName == null || !headerName.equals(bodyName)) {
        return refuse(
            Era.STATELESS,
            ReasonCode.HEADER_MISMATCH,
            "Mcp-Name header " + (headerName == null ? "is missing or malformed" : "'" + clip(headerName) + "'") + " does not match params." + nameField);
      }
    }
    return new EraCheck(Era.STATELESS, version, null);
  }

  /** Decodes the {@code =?base64?...?=} form used for values that are not plain header-safe ASCII. */
  static String decodeHeaderValue(String value) {
    if (value == null) {
      return null;
    }
    if (value.startsWith("=?base64?") && value.endsWith("?=") && value.length() >= 11) {
      try {
        return new String(Base64.getDecoder().decode(value.substring(9, value.length() - 2)), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return value;
  }

  private static EraCheck unsupported(Era era, String requested) {
    ObjectNode data = JsonRpcCodec.nodes().objectNode();
    var supported = data.putArray("supported");
    // For a stateless request exactly what server/discover lists as supportedVersions; for a
    // legacy one the revisions an initialize can negotiate.
    (era == Era.STATELESS ? ProtocolVersions.STATELESS : ProtocolVersions.LEGACY).forEach(supported::add);
    data.put("requested", requested);
    return new EraCheck(
        era, null, Fault.of(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version: " + clip(requested)).withData(data));
  }

  private static EraCheck removed(String method) {
    return new EraCheck(
        Era.STATELESS, null, Fault.of(ReasonCode.METHOD_NOT_FOUND, "method '" + clip(method) + "' does not exist in protocol 2026-07-28"));
  }

  private static EraCheck refuse(Era era, ReasonCode code, String message) {
    return new EraCheck(era, null, Fault.of(code, message));
  }

  private static String clip(String s) {
    if (s == null) {
      return "(missing)";
    }
    String t = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    return t.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
