package dev.bastion.policy;

import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Finding;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Everything a policy decision looks at, taken from one exchange. The CEL variables are derived
 * from it (see docs/policy.md): {@code agent}, {@code user} from the principal; {@code tool},
 * {@code resource}, {@code prompt} from the target; {@code args} from {@code params.arguments}
 * (tools/call, prompts/get); {@code resource.uri} from {@code params.uri} (resources/read);
 * {@code request.findings} and {@code response.findings} from the firewall's inspection.
 *
 * @param params the JSON-RPC params (may be empty, never null)
 * @param time when the request arrived
 * @param clientAddress the agent's network address, or {@code ""}
 */
public record PolicyInput(
    Principal principal,
    String method,
    Target target,
    ObjectNode params,
    SessionFacts session,
    Instant time,
    String clientAddress,
    List<Finding> requestFindings,
    List<Finding> responseFindings) {

  /** Without firewall findings. */
  public PolicyInput(
      Principal principal, String method, Target target, ObjectNode params, SessionFacts session, Instant time, String clientAddress) {
    this(principal, method, target, params, session, time, clientAddress, List.of(), List.of());
  }

  public PolicyInput {
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(target, "target");
    params = params == null ? JsonNodeFactory.instance.objectNode() : params;
    session = session == null ? SessionFacts.NONE : session;
    time = time == null ? Instant.EPOCH : time;
    clientAddress = clientAddress == null ? "" : clientAddress;
    requestFindings = requestFindings == null ? List.of() : List.copyOf(requestFindings);
    responseFindings = responseFindings == null ? List.of() : List.copyOf(responseFindings);
  }

  /** The same input with what the firewall found in the response ({@code response.findings}). */
  public PolicyInput withResponseFindings(List<Finding> findings) {
    return new PolicyInput(principal, method, target, params, session, time, clientAddress, requestFindings, findings);
  }

  /** The input for one exchange, with the session facts the caller knows. */
  public static PolicyInput of(Exchange exchange, SessionFacts session) {
    return new PolicyInput(
        exchange.principal(),
        exchange.method(),
        exchange.target(),
        exchange.params(),
        session,
        exchange.receivedAt() == null ? Instant.now() : exchange.receivedAt(),
        exchange.remoteAddress(),
        requestSide(exchange.log().findings()),
        List.of());
  }

  /** The findings of the request direction, in order (no copy when there are none). */
  static List<Finding> requestSide(List<Finding> findings) {
    if (findings.isEmpty()) {
      return List.of();
    }
    java.util.ArrayList<Finding> out = new java.util.ArrayList<>(findings.size());
    for (Finding f : findings) {
      if (f.direction().equals("request")) {
        out.add(f);
      }
    }
    return out;
  }
}
