package dev.bastion.jsonrpc;

import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A JSON-RPC 2.0 message, already validated for shape by {@link JsonRpcCodec}. */
public sealed interface JsonRpcMessage {

  /** A call that expects an answer. {@code id} is a string or integral number node, never null. */
  record Request(JsonNode id, String method, ObjectNode params) implements JsonRpcMessage {
    public Request {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(params, "params");
    }

    public Request withParams(ObjectNode newParams) {
      return new Request(id, method, newParams);
    }

    public Request withId(JsonNode newId) {
      return new Request(newId, method, params);
    }
  }

  /** A one-way message. */
  record Notification(String method, ObjectNode params) implements JsonRpcMessage {
    public Notification {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(params, "params");
    }
  }

  /** An answer: exactly one of {@code result} and {@code error} is set. */
  record Response(JsonNode id, JsonNode result, ErrorObject error) implements JsonRpcMessage {
    public boolean isError() {
      return error != null;
    }
  }

  /** The JSON-RPC error member. */
  record ErrorObject(int code, String message, JsonNode data) {}
}
