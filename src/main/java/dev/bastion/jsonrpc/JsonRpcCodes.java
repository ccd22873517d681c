package dev.bastion.jsonrpc;

/** JSON-RPC 2.0 and MCP error codes, named once. */
public final class JsonRpcCodes {
  public static final int PARSE_ERROR = -32700;
  public static final int INVALID_REQUEST = -32600;
  public static final int METHOD_NOT_FOUND = -32601;
  public static final int INVALID_PARAMS = -32602;
  public static final int INTERNAL_ERROR = -32603;

  /** MCP 2026-07-28: an {@code Mcp-Method}/{@code Mcp-Name} header disagrees with the body. */
  public static final int HEADER_MISMATCH = -32020;

  /** MCP 2026-07-28: the request's protocol version is not one this server speaks. */
  public static final int UNSUPPORTED_PROTOCOL_VERSION = -32022;

  /** Implementation-defined server errors used by Bastion (range -32000 to -32099). */
  public static final int GATEWAY_DENIED = -32001;

  public static final int GATEWAY_UNAVAILABLE = -32002;
  public static final int UPSTREAM_FAILED = -32003;
  public static final int REQUEST_CANCELLED = -32800;

  private JsonRpcCodes() {}
}
