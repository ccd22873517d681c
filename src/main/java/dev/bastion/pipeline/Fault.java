package dev.bastion.pipeline;

import java.util.List;
import java.util.Objects;

/**
 * Why an exchange did not succeed: a reason code, a message meant for the agent (it names what was
 * wrong and what was expected, never secrets or other agents' data) and the policy rules involved.
 *
 * @param upstreamError a JSON-RPC error object an upstream returned, relayed as is (only for
 *     {@link ReasonCode#UPSTREAM_PROTOCOL_ERROR} raised by a tool that answered with an error)
 */
public record Fault(
    ReasonCode code, String message, List<String> ruleIds, tools.jackson.databind.JsonNode data) {

  public Fault {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    ruleIds = List.copyOf(ruleIds);
  }

  public static Fault of(ReasonCode code, String message) {
    return new Fault(code, message, List.of(), null);
  }

  public static Fault of(ReasonCode code, String message, List<String> ruleIds) {
    return new Fault(code, message, ruleIds, null);
  }

  public Fault withData(tools.jackson.databind.JsonNode data) {
    return new Fault(code, message, ruleIds, data);
  }
}
