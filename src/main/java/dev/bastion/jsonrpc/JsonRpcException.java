package dev.bastion.jsonrpc;

import tools.jackson.databind.JsonNode;

/**
 * A message could not be decoded. Carries the JSON-RPC code to answer with and, when it could be
 * recovered, the id of the offending request.
 */
public final class JsonRpcException extends Exception {
  private final int code;
  private final transient JsonNode id;

  public JsonRpcException(int code, String message, JsonNode id) {
    super(message, null, false, false);
    this.code = code;
    this.id = id;
  }

  public int code() {
    return code;
  }

  public JsonNode id() {
    return id;
  }
}
