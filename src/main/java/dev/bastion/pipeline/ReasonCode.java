package dev.bastion.pipeline;

/**
 * The closed set of reasons an exchange can fail or be refused. Audit records, metrics and the wire
 * error share this code; {@link dev.bastion.mcp.WireErrors} is the one place that maps each code to
 * an HTTP status and a JSON-RPC error code.
 */
public enum ReasonCode {
  // --- transport and protocol (the agent sent something wrong) ---
  PARSE_ERROR("parse_error"),
  INVALID_REQUEST("invalid_request"),
  METHOD_NOT_FOUND("method_not_found"),
  INVALID_PARAMS("invalid_params"),
  INVALID_ENVELOPE("invalid_envelope"),
  METHOD_NOT_ALLOWED("method_not_allowed"),
  PAYLOAD_TOO_LARGE("payload_too_large"),
  UNSUPPORTED_MEDIA_TYPE("unsupported_media_type"),
  NOT_ACCEPTABLE("not_acceptable"),
  ORIGIN_FORBIDDEN("origin_forbidden"),
  HEADER_MISMATCH("header_mismatch"),
  UNSUPPORTED_PROTOCOL_VERSION("unsupported_protocol_version"),
  SESSION_REQUIRED("session_required"),
  SESSION_NOT_FOUND("session_not_found"),
  // --- identity and authorisation ---
  UNAUTHENTICATED("unauthenticated"),
  POLICY_DENIED("policy_denied"),
  APPROVAL_REQUIRED("approval_required"),
  UNKNOWN_TARGET("unknown_target"),
  TOOL_QUARANTINED("tool_quarantined"),
  RATE_LIMITED("rate_limited"),
  LOOP_DETECTED("loop_detected"),
  // --- inspection ---
  REQUEST_BLOCKED("request_blocked"),
  /** A tool call's arguments do not match the tool's input schema (answered as a tool execution error). */
  INVALID_ARGUMENTS("invalid_arguments"),
  RESPONSE_BLOCKED("response_blocked"),
  // --- information flow (dev.bastion.flow) ---
  /** An external sink was sent private data in a session that has read untrusted content. */
  FLOW_EXFILTRATION("flow_exfiltration"),
  /** A consequential action's key argument (recipient, account, URL) came only from untrusted content. */
  FLOW_UNTRUSTED_ARGUMENT("flow_untrusted_argument"),
  /** The session's budget of tainted bytes sent to external sinks is spent. */
  FLOW_EGRESS_BUDGET("flow_egress_budget"),
  // --- upstream ---
  UPSTREAM_UNAVAILABLE("upstream_unavailable"),
  UPSTREAM_TIMEOUT("upstream_timeout"),
  UPSTREAM_PROTOCOL_ERROR("upstream_protocol_error"),
  UPSTREAM_RESPONSE_TOO_LARGE("upstream_response_too_large"),
  CANCELLED("cancelled"),
  // --- the gateway itself ---
  AUDIT_UNAVAILABLE("audit_unavailable"),
  STAGE_FAILED("stage_failed"),
  SHUTTING_DOWN("shutting_down");

  private final String wireName;

  ReasonCode(String wireName) {
    this.wireName = wireName;
  }

  /** The stable, snake_case name used on the wire, in audit records and as a metric label. */
  public String wireName() {
    return wireName;
  }
}
