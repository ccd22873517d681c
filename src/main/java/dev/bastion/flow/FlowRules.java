package dev.bastion.flow;

import dev.bastion.config.FlowConfig;
import dev.bastion.config.FlowConfig.RuleMode;
import dev.bastion.pipeline.ReasonCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The built-in flow rules. Each is a policy rule with an id (recorded in decisions and audit like
 * any other rule) and a mode: {@code enforce} (deny), {@code ask} (key-argument rule only: human
 * approval), {@code shadow} (record what it would have done) or {@code off}.
 *
 * <ul>
 *   <li>{@value #EXFILTRATION}: the call goes to an external sink, an argument carries
 *       private (or custom-labelled) data — verbatim, re-encoded or split across calls — and the
 *       session has read untrusted content;
 *   <li>{@value #UNTRUSTED_KEY}: a consequential action's key argument (recipient, account, URL
 *       host) appears only in untrusted outputs — never in a trusted one, so it did not come from
 *       the user's own data;
 *   <li>{@value #EGRESS_BUDGET}: the tainted bytes this session has sent to external sinks would
 *       exceed {@code egress_budget_bytes} (the low-and-slow case).
 * </ul>
 *
 * Precision comes from provenance: none of these fires merely because untrusted content was read
 * before a sensitive action; the argument itself must carry the data or the key value.
 */
public final class FlowRules {
  public static final String EXFILTRATION = "flow.exfiltration";
  public static final String UNTRUSTED_KEY = "flow.untrusted-key-argument";
  public static final String EGRESS_BUDGET = "flow.egress-budget";

  /** One rule that matched, with the flow it describes. */
  public record Violation(String ruleId, RuleMode mode, ReasonCode code, String message, ObjectNode flow) {}

  private final FlowConfig config;

  public FlowRules(FlowConfig config) {
    this.config = config;
  }

  /**
   * @param target the exposed name of the called tool
   * @param sinkDescription where the call goes ("external sink mail.example.net")
   */
  public List<Violation> evaluate(
      String target, FlowLabel label, boolean external, String sinkDescription, FlowState state, FlowState.Inspection found) {
    List<Violation> out = new ArrayList<>();
    RuleMode ex = config.rules().exfiltration();
    if (ex != RuleMode.OFF && external && state.hasReadUntrusted() && !found.carried().isEmpty()) {
      FlowState.Carried c = found.carried().getFirst();
      FlowState.Origin untrusted = state.firstUntrusted();
      String source = c.origin() == null
          ? "this session's private data (its fingerprint store is full, so every external call is treated as carrying it)"
          : c.origin().describe();
      String how = switch (c.match()) {
        case VERBATIM -> "";
        case DECODED -> " (re-encoded)";
        case CHUNKED -> " (split across calls)";
        case SATURATED -> "";
      };
      String message = "flow denied by " + EXFILTRATION + ": argument '" + c.argument() + "' of " + target + " carries "
          + label(c) + " data from " + source + how + ", and the session has read untrusted content"
          + (untrusted == null ? " (a session of unknown history)" : " (" + untrusted.describe() + ")")
          + "; the call goes to " + sinkDescription + ".";
      out.add(new Violation(EXFILTRATION, ex, ReasonCode.FLOW_EXFILTRATION, message,
          flow(EXFILTRATION, target, c.argument(), label(c), c.origin(), c.match().name().toLowerCase(Locale.ROOT), sinkDescription, untrusted)));
    }
    RuleMode key = config.rules().untrustedKeyArgument();
    if (key != RuleMode.OFF && label.consequential() && !found.untrustedKeys().isEmpty()) {
      FlowState.UntrustedKey k = found.untrustedKeys().getFirst();
      String message = "flow " + (key == RuleMode.ASK ? "needs approval" : "denied") + " by " + UNTRUSTED_KEY + ": argument '" + k.argument()
          + "' of " + target + " (a key argument of a consequential action) has a value that came only from untrusted content, "
          + k.origin().describe() + "; no trusted source of this session contains it.";
      out.add(new Violation(UNTRUSTED_KEY, key, key == RuleMode.ASK ? ReasonCode.APPROVAL_REQUIRED : ReasonCode.FLOW_UNTRUSTED_ARGUMENT, message,
          flow(UNTRUSTED_KEY, target, k.argument(), FlowLabel.UNTRUSTED, k.origin(), "key-argument", sinkDescription, null)));
    }
    RuleMode budget = config.rules().egressBudget();
    if (budget != RuleMode.OFF && external && found.taintedBytes() > 0
        && state.taintedEgress() + found.taintedBytes() > config.egressBudgetBytes()) {
      FlowState.Carried c = found.carried().isEmpty() ? null : found.carried().getFirst();
      String message = "flow denied by " + EGRESS_BUDGET + ": this call would bring the session's tainted egress to "
          + (state.taintedEgress() + found.taintedBytes()) + " bytes, over the budget of " + config.egressBudgetBytes()
          + " bytes" + (c == null ? "" : "; argument '" + c.argument() + "' carries data from "
          + (c.origin() == null ? "this session's private data" : c.origin().describe())) + ".";
      out.add(new Violation(EGRESS_BUDGET, budget, ReasonCode.FLOW_EGRESS_BUDGET, message,
          flow(EGRESS_BUDGET, target, c == null ? "" : c.argument(), c == null ? FlowLabel.PRIVATE : label(c),
              c == null ? null : c.origin(), "budget", sinkDescription, null)));
    }
    return out;
  }

  private static String label(FlowState.Carried c) {
    return c.origin() == null ? FlowLabel.PRIVATE : c.origin().label().confidentiality();
  }

  private static ObjectNode flow(
      String rule, String target, String argument, String label, FlowState.Origin origin, String match, String sink, FlowState.Origin untrusted) {
    ObjectNode f = JsonNodeFactory.instance.objectNode();
    f.put("rule", rule);
    f.put("tool", target);
    f.put("argument", argument);
    f.put("label", label);
    f.put("match", match);
    f.put("sink", sink);
    if (origin != null) {
      ObjectNode o = f.putObject("source");
      o.put("target", origin.target());
      if (origin.exchangeId() == null) {
        o.put("definition", true);
      } else {
        o.put("exchange", origin.exchangeId());
      }
    }
    if (untrusted != null) {
      ObjectNode o = f.putObject("untrustedSource");
      o.put("target", untrusted.target());
      o.put("exchange", untrusted.exchangeId());
    }
    return f;
  }
}
