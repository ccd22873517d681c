package dev.bastion.demo;

import tools.jackson.databind.JsonNode;

/** What a method handler answers: a result, or a JSON-RPC error. Turned into a response in one place. */
sealed interface Reply {

  record Result(JsonNode value) implements Reply {}

  /** A protocol-level error; {@code data} may be null. */
  record Failure(int code, String message, JsonNode data) implements Reply {}

  static Reply result(JsonNode value) {
    return new Result(value);
  }

  static Reply failure(int code, String message) {
    return new Failure(code, message, null);
  }
}
