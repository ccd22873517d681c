package dev.bastion.upstream;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcCodes;
import dev.bastion.jsonrpc.JsonRpcMessage;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Protocol constants and small message builders shared by the transports. */
final class Protocol {
  static final String LEGACY_VERSION = "2025-11-25";
  static final String STATELESS_VERSION = "2026-07-28";

  /** Legacy versions a server may answer {@code initialize} with. */
  static final Set<String> LEGACY_VERSIONS = Set.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

  static final String META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
  static final String META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
  static final String META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
  static final String META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";
  static final String META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";

  static final String CLIENT_NAME = "bastion";
  static final String CLIENT_VERSION = clientVersion();

  static final String TOOLS_LIST_CHANGED = "notifications/tools/list_changed";

  private Protocol() {}

  static ObjectNode clientInfo() {
    ObjectNode info = JsonRpcCodec.nodes().objectNode();
    info.put("name", CLIENT_NAME);
    info.put("version", CLIENT_VERSION);
    return info;
  }

  /**
   * Params of a legacy {@code initialize}, declaring the capabilities of the gateway's handler of
   * server requests ({@link ServerMessages#clientCapabilities()}: what it relays to the agent whose
   * call is in flight when that agent declared it); never roots.
   */
  static ObjectNode initializeParams(ObjectNode capabilities) {
    ObjectNode params = JsonRpcCodec.nodes().objectNode();
    params.put("protocolVersion", LEGACY_VERSION);
    params.set("capabilities", capabilities.deepCopy());
    params.set("clientInfo", clientInfo());
    return params;
  }

  /** Adds the 2026-07-28 per-request envelope to {@code params._meta} (params is modified), declaring no capabilities. */
  static ObjectNode withStatelessEnvelope(ObjectNode params) {
    return withStatelessEnvelope(params, JsonRpcCodec.nodes().objectNode());
  }

  /** Adds the 2026-07-28 per-request envelope declaring {@code capabilities} (params is modified). */
  static ObjectNode withStatelessEnvelope(ObjectNode params, ObjectNode capabilities) {
    ObjectNode meta = params.get("_meta") instanceof ObjectNode m ? m : params.putObject("_meta");
    meta.put(META_PROTOCOL_VERSION, STATELESS_VERSION);
    meta.set(META_CLIENT_CAPABILITIES, capabilities.deepCopy());
    meta.set(META_CLIENT_INFO, clientInfo());
    return params;
  }

  /** Makes text safe for one log line: control characters (ANSI escapes, CR, LF) become '?'. */
  static String printable(String text, int maxChars) {
    String cut = text.length() > maxChars ? text.substring(0, maxChars) : text;
    StringBuilder out = new StringBuilder(cut.length() + 1);
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      out.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? '?' : c);
    }
    if (cut.length() < text.length()) {
      out.append('…');
    }
    return out.toString();
  }

  /**
   * The gateway's answer to a request the server sent it: {@code ping} and {@code roots/list} (no
   * roots) are answered; sampling, elicitation and everything else are refused with -32601.
   */
  static JsonRpcMessage.Response answerServerRequest(JsonRpcMessage.Request request) {
    return switch (request.method()) {
      case "ping" -> new JsonRpcMessage.Response(request.id(), JsonRpcCodec.nodes().objectNode(), null);
      case "roots/list" -> {
        ObjectNode result = JsonRpcCodec.nodes().objectNode();
        result.putArray("roots");
        yield new JsonRpcMessage.Response(request.id(), result, null);
      }
      default ->
          JsonRpcCodec.error(
              request.id(), JsonRpcCodes.METHOD_NOT_FOUND, "\"" + request.method() + "\" is not supported by the gateway", null);
    };
  }

  /**
   * The top-level {@code id} of a JSON-RPC message of which only the first bytes are known (the rest
   * was over a limit and discarded), or null if it does not appear in them.
   */
  static JsonNode topLevelId(JsonMapper mapper, byte[] head) {
    try (JsonParser p = mapper.createParser(head)) {
      int depth = 0;
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        switch (t) {
          case START_OBJECT, START_ARRAY -> depth++;
          case END_OBJECT, END_ARRAY -> depth--;
          case PROPERTY_NAME -> {
            if (depth == 1 && "id".equals(p.currentName())) {
              JsonToken v = p.nextToken();
              if (v == JsonToken.VALUE_NUMBER_INT) {
                return JsonRpcCodec.nodes().numberNode(p.getLongValue());
              }
              if (v == JsonToken.VALUE_STRING) {
                return JsonRpcCodec.nodes().stringNode(p.getString());
              }
              return null;
            }
          }
          default -> {}
        }
      }
      return null;
    } catch (JacksonException e) {
      return null;
    }
  }

  private static String clientVersion() {
    String v = Protocol.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
