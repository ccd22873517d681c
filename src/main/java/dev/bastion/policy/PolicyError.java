package dev.bastion.policy;

/**
 * One problem found while compiling a policy.
 *
 * @param ruleId the rule's id, or {@code ""} when the rule has none
 * @param ruleLine where the rule starts in the config file (0 when unknown)
 * @param line 1-based line within the rule's {@code when} expression (0 when the problem is not
 *     located in the expression, e.g. a duplicate id)
 * @param column 1-based column within that line (0 when not located)
 * @param message what is wrong and what was expected
 */
public record PolicyError(String ruleId, int ruleLine, int line, int column, String message) {

  /** A one-line human-readable form, e.g. {@code rule 'r1' (config line 12), when 1:7: ...}. */
  public String describe() {
    StringBuilder sb = new StringBuilder("rule '").append(ruleId).append('\'');
    if (ruleLine > 0) {
      sb.append(" (config line ").append(ruleLine).append(')');
    }
    if (line > 0) {
      sb.append(", when ").append(line).append(':').append(column);
    }
    return sb.append(": ").append(message).toString();
  }
}
