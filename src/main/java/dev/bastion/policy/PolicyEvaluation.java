package dev.bastion.policy;

import dev.bastion.pipeline.Decision;
import java.util.List;
import java.util.Objects;

/**
 * The result of deciding one request.
 *
 * @param decision the enforced decision, carrying the ids of the rules that produced it
 * @param shadow what shadow-mode rules would have done, e.g. {@code shadow rule r9 would deny;
 *     decision would change from allow to deny}
 * @param notes evaluation problems worth recording (a rule that failed to evaluate and how it was
 *     counted); never condition text or argument values
 */
public record PolicyEvaluation(Decision decision, List<String> shadow, List<String> notes) {
  public PolicyEvaluation {
    Objects.requireNonNull(decision, "decision");
    shadow = List.copyOf(shadow);
    notes = List.copyOf(notes);
  }
}
