package dev.bastion.mcp;

import dev.bastion.jsonrpc.JsonRpcCodec;
import dev.bastion.jsonrpc.JsonRpcCodes;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.ReasonCode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one place where a {@link ReasonCode} becomes bytes on the wire: an HTTP status and a JSON-RPC
 * error code. Every error carries {@code data.reason} (the stable reason code that audit and metrics
 * also use) and, for policy decisions, {@code data.rules}.
 */
public final class WireErrors {

  /** How a fault is answered. {@code httpStatus} 200 means "in-band": a JSON-RPC error in a 200. */
  public record Mapping(int httpStatus, int jsonRpcCode) {}

  public static Mapping map(ReasonCode code, Era era) {
    return switch (code) {
      case PARSE_ERROR -> new Mapping(400, JsonRpcCodes.PARSE_ERROR);
      case INVALID_REQUEST -> new Mapping(400, JsonRpcCodes.INVALID_REQUEST);
      case METHOD_NOT_FOUND -> new Mapping(era == Era.STATELESS ? 404 : 200, JsonRpcCodes.METHOD_NOT_FOUND);
      case INVALID_PARAMS, INVALID_ARGUMENTS -> new Mapping(200, JsonRpcCodes.INVALID_PARAMS);
      case INVALID_ENVELOPE -> new Mapping(400, JsonRpcCodes.INVALID_PARAMS);
      case METHOD_NOT_ALLOWED -> new Mapping(405, JsonRpcCodes.INVALID_REQUEST);
      case PAYLOAD_TOO_LARGE -> new Mapping(413, JsonRpcCodes.INVALID_REQUEST);
      case UNSUPPORTED_MEDIA_TYPE -> new Mapping(415, JsonRpcCodes.INVALID_REQUEST);
      case NOT_ACCEPTABLE -> new Mapping(406, JsonRpcCodes.INVALID_REQUEST);
      case ORIGIN_FORBIDDEN -> new Mapping(403, JsonRpcCodes.INVALID_REQUEST);
      case HEADER_MISMATCH -> new Mapping(400, JsonRpcCodes.HEADER_MISMATCH);
      case UNSUPPORTED_PROTOCOL_VERSION -> new Mapping(400, JsonRpcCodes.UNSUPPORTED_PROTOCOL_VERSION);
      case SESSION_REQUIRED -> new Mapping(400, JsonRpcCodes.INVALID_REQUEST);
      case SESSION_NOT_FOUND -> new Mapping(404, JsonRpcCodes.SESSION_NOT_FOUND);
      case UNAUTHENTICATED -> new Mapping(401, JsonRpcCodes.UNAUTHENTICATED);
      case POLICY_DENIED, APPROVAL_REQUIRED, REQUEST_BLOCKED, RESPONSE_BLOCKED, TOOL_QUARANTINED -> new Mapping(200, JsonRpcCodes.GATEWAY_DENIED);
      case FLOW_EXFILTRATION, FLOW_UNTRUSTED_ARGUMENT, FLOW_EGRESS_BUDGET -> new Mapping(200, JsonRpcCodes.GATEWAY_DENIED);
      case UNKNOWN_TARGET -> new Mapping(200, JsonRpcCodes.INVALID_PARAMS);
      case RATE_LIMITED, LOOP_DETECTED -> new Mapping(429, JsonRpcCodes.RATE_LIMITED);
      case UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, UPSTREAM_PROTOCOL_ERROR, UPSTREAM_RESPONSE_TOO_LARGE ->
          new Mapping(200, JsonRpcCodes.UPSTREAM_FAILED);
      case CANCELLED -> new Mapping(200, JsonRpcCodes.REQUEST_CANCELLED);
      case AUDIT_UNAVAILABLE, SHUTTING_DOWN -> new Mapping(503, JsonRpcCodes.GATEWAY_UNAVAILABLE);
      case STAGE_FAILED -> new Mapping(500, JsonRpcCodes.INTERNAL_ERROR);
    };
  }

  /** The {@code error} member for a fault: code, message, and data with the reason and rules. */
  public static ObjectNode errorObject(Fault fault, Era era) {
    ObjectNode err = JsonRpcCodec.nodes().objectNode();
    err.put("code", map(fault.code(), era).jsonRpcCode());
    err.put("message", fault.message());
    ObjectNode data;
    if (fault.data() instanceof ObjectNode provided) {
      data = provided.deepCopy();
    } else {
      data = JsonRpcCodec.nodes().objectNode();
    }
    data.put("reason", fault.code().wireName());
    if (!fault.ruleIds().isEmpty()) {
      ArrayNode rules = data.putArray("rules");
      fault.ruleIds().forEach(rules::add);
    }
    err.set("data", data);
    return err;
  }

  /**
   * A fault that the agent's model should see and correct rather than a protocol error: arguments
   * that do not match a tool's input schema are answered, on {@code tools/call}, as a tool execution
   * error ({@code isError: true} result), as the MCP specification asks for input validation errors.
   * Null when the fault is answered as a JSON-RPC error.
   */
  public static ObjectNode toolExecutionError(Fault fault, String method) {
    if (fault.code() != ReasonCode.INVALID_ARGUMENTS || !"tools/call".equals(method)) {
      return null;
    }
    ObjectNode result = JsonRpcCodec.nodes().objectNode();
    result.putArray("content").addObject().put("type", "text").put("text", fault.message());
    result.put("isError", true);
    return result;
  }

  private WireErrors() {}
}
