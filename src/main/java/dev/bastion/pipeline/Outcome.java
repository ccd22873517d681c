package dev.bastion.pipeline;

import tools.jackson.databind.JsonNode;

/** What the pipeline produced for one exchange. */
public sealed interface Outcome {

  /** A JSON-RPC result (for requests) or an acknowledgement (for notifications, {@code result} null). */
  record Success(JsonNode result) implements Outcome {}

  /** The exchange was refused or failed; the fault says why. */
  record Failure(Fault fault) implements Outcome {}

  /** An upstream answered with a JSON-RPC error object; relayed to the agent unchanged. */
  record UpstreamError(int code, String message, JsonNode data) implements Outcome {}

  static Outcome success(JsonNode result) {
    return new Success(result);
  }

  static Outcome failure(ReasonCode code, String message) {
    return new Failure(Fault.of(code, message));
  }
}
