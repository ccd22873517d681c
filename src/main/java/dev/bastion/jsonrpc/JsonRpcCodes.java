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

  /** MCP 2026-07-28: the request needs a client capability the client did not declare. */
  public static final int MISSING_CLIENT_CAPABILITY = -32021;

  // Implementation-defined server errors (-32000 to -32019 are left to implementations).
  /** The agent did not authenticate (also signalled by HTTP 401). */
  public static final int UNAUTHENTICATED = -32000;
  /** The legacy session is unknown, expired or belongs to another agent (SDK convention). */
  public static final int SESSION_NOT_FOUND = -32001;
  /** Bastion refused the request: policy, approval or inspection. {@code data.reason} says which. */
  public static final int GATEWAY_DENIED = -32003;
  /** Bastion cannot serve now (audit store unavailable, shutting down). */
  public static final int GATEWAY_UNAVAILABLE = -32004;
  /** The upstream server failed, timed out or answered garbage. */
  public static final int UPSTREAM_FAILED = -32005;
  /** A rate limit or budget was exceeded. */
  public static final int RATE_LIMITED = -32006;
  /** The request was cancelled (same code as LSP's RequestCancelled). */
  public static final int REQUEST_CANCELLED = -32800;

  private JsonRpcCodes() {}
}
