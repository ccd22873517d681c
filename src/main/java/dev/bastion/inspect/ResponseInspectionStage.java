package dev.bastion.inspect;

import dev.bastion.config.FirewallConfig;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Finding;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The {@code inspect-response} stage: wraps the upstream stage, so it sees every result before the
 * agent does. The detectors run over the whole result (text content, resource text, structured
 * content); size and line limits truncate with a marker or block. Findings are added to the
 * exchange log; when there are any, the policy is consulted once more with {@code
 * response.findings} set, so a rule can refuse a result (e.g. secrets from an untrusted server).
 * A block (by action or by policy) replaces the result with {@code response_blocked}; redact
 * forwards the rewritten result. A 2026-07-28 {@code input_required} result first has its embedded
 * requests checked like server requests ({@link ServerRequestInspector}): an elicitation that asks
 * for a password, key, token or card number blocks the result.
 *
 * <p>Stream-duration limits are the upstream's call timeout ({@code limits.call_timeout}), which
 * cancels the upstream call; the response byte limit ({@code limits.max_response_bytes}) is enforced
 * while reading the upstream's answer. This stage bounds what is left: characters and line length.
 */
public final class ResponseInspectionStage implements Stage {

  /** The policy, consulted again with the response findings; returns null when it has nothing to add. */
  @FunctionalInterface
  public interface ResponsePolicy {
    ResponsePolicy NONE = (exchange, findings) -> null;

    Decision decide(Exchange exchange, List<Finding> responseFindings);
  }

  private final FirewallConfig config;
  private final Inspector inspector;
  private final ServerRequestInspector serverRequests;
  private final ResponsePolicy policy;

  public ResponseInspectionStage(FirewallConfig config, ResponsePolicy policy) {
    this.config = config;
    this.inspector = new Inspector(config);
    this.serverRequests = new ServerRequestInspector(inspector, config, UrlCheck.SYSTEM);
    this.policy = policy;
  }

  @Override
  public String name() {
    return "inspect-response";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    Outcome outcome = chain.proceed(exchange);
    if (!config.enabled() || exchange.isNotification() || !inspected(exchange.method())) {
      return outcome;
    }
    if (!(outcome instanceof Outcome.Success success) || success.result() == null) {
      return outcome;
    }
    if (exchange.era() == dev.bastion.pipeline.Era.STATELESS) {
      // 2026-07-28 input_required: the server may ask only for what the agent declared (MCP draft, mrtr)
      JsonNode meta = exchange.params().get("_meta");
      List<String> undeclared = ServerRequestInspector.undeclared(success.result(), meta == null ? null : meta.get("io.modelcontextprotocol/clientCapabilities"));
      if (!undeclared.isEmpty()) {
        exchange.log().note("input_required asked for undeclared capabilities: " + undeclared);
        return new Outcome.Failure(Fault.of(ReasonCode.RESPONSE_BLOCKED,
            "the tool asked for input the agent did not declare: " + String.join(", ", undeclared.stream().limit(5).toList())));
      }
    }
    // 2026-07-28 input_required: the embedded elicitation/sampling requests get the server-request checks
    ServerRequestInspector.Verdict asked = serverRequests.inspectResult(success.result(), "/result");
    if (!asked.findings().isEmpty()) {
      exchange.log().findings(asked.findings());
      if (asked.blocked()) {
        return new Outcome.Failure(Fault.of(ReasonCode.RESPONSE_BLOCKED,
            "the tool asked for input the firewall does not allow: " + asked.describe()));
      }
    }
    Inspector.Inspection inspection = inspector.inspect(success.result(), Direction.RESPONSE, "/result");
    if (inspection.findings().isEmpty()) {
      return outcome;
    }
    exchange.log().findings(inspection.findings());
    if (inspection.blocked()) {
      return new Outcome.Failure(Fault.of(ReasonCode.RESPONSE_BLOCKED, "the tool's response was blocked by the firewall: " + inspection.describe()));
    }
    Decision decision = policy.decide(exchange, inspection.findings());
    if (decision instanceof Decision.Deny d) {
      exchange.log().note("response denied by policy rules " + d.ruleIds());
      return new Outcome.Failure(Fault.of(ReasonCode.RESPONSE_BLOCKED, "the tool's response was refused by policy", d.ruleIds()));
    }
    if (decision instanceof Decision.Ask a) {
      return new Outcome.Failure(Fault.of(ReasonCode.APPROVAL_REQUIRED, a.message(), a.ruleIds()));
    }
    if (inspection.rewritten() == null) {
      return outcome;
    }
    // flow control fingerprints what the source produced, not the redacted copy (ExchangeLog#originalResult)
    exchange.log().originalResult(success.result());
    return new Outcome.Success(inspection.rewritten());
  }

  /** Results that carry tool or server content to the agent. */
  static boolean inspected(String method) {
    return switch (method) {
      case "tools/call", "resources/read", "prompts/get", "completion/complete" -> true;
      default -> false;
    };
  }
}
