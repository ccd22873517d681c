package dev.bastion.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * Attribute keys. The MCP and GenAI conventions are still "development" status and not in the
 * stable semconv artifact, so their keys are spelled here; {@code bastion.*} keys are our own.
 */
final class SemConv {
  // MCP semantic conventions (OpenTelemetry GenAI conventions, docs/gen-ai/mcp.md)
  static final AttributeKey<String> MCP_METHOD_NAME = AttributeKey.stringKey("mcp.method.name");
  static final AttributeKey<String> MCP_PROTOCOL_VERSION = AttributeKey.stringKey("mcp.protocol.version");
  static final AttributeKey<String> MCP_SESSION_ID = AttributeKey.stringKey("mcp.session.id");
  static final AttributeKey<String> MCP_RESOURCE_URI = AttributeKey.stringKey("mcp.resource.uri");
  static final AttributeKey<String> GEN_AI_TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
  static final AttributeKey<String> GEN_AI_PROMPT_NAME = AttributeKey.stringKey("gen_ai.prompt.name");
  static final AttributeKey<String> GEN_AI_OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> JSONRPC_REQUEST_ID = AttributeKey.stringKey("jsonrpc.request.id");
  static final AttributeKey<String> RPC_RESPONSE_STATUS_CODE = AttributeKey.stringKey("rpc.response.status_code");
  // general conventions
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> NETWORK_TRANSPORT = AttributeKey.stringKey("network.transport");
  static final AttributeKey<String> NETWORK_PROTOCOL_NAME = AttributeKey.stringKey("network.protocol.name");
  // Bastion's own
  static final AttributeKey<String> AGENT_ID = AttributeKey.stringKey("bastion.agent.id");
  static final AttributeKey<String> EXCHANGE_ID = AttributeKey.stringKey("bastion.exchange.id");
  static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("bastion.upstream");
  static final AttributeKey<String> ERA = AttributeKey.stringKey("bastion.era");
  static final AttributeKey<String> DECISION = AttributeKey.stringKey("bastion.decision");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("bastion.reason");
  static final AttributeKey<List<String>> RULE_IDS = AttributeKey.stringArrayKey("bastion.rule_ids");
  static final AttributeKey<String> EFFECT = AttributeKey.stringKey("bastion.effect");
  static final AttributeKey<String> DETECTOR = AttributeKey.stringKey("bastion.detector");
  static final AttributeKey<String> ACTION = AttributeKey.stringKey("bastion.action");
  static final AttributeKey<String> STATE = AttributeKey.stringKey("bastion.state");
  static final AttributeKey<String> DURING = AttributeKey.stringKey("bastion.during");
  static final AttributeKey<Long> PROGRESS_RELAYED = AttributeKey.longKey("bastion.progress.relayed");

  /** The MCP conventions' bucket boundaries for operation durations, in seconds. */
  static final List<Double> DURATION_BUCKETS = List.of(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0);

  /** Buckets for the audit write, which is milliseconds, not seconds. */
  static final List<Double> AUDIT_BUCKETS = List.of(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5);

  private SemConv() {}
}
