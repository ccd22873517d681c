package dev.bastion.policy;

import java.util.List;
import java.util.Objects;

/**
 * What the policy may know about the agent's session: its id, how many calls it has made so far
 * and its information-flow labels (filled by the flow-control stage).
 */
public record SessionFacts(String id, long callCount, List<String> labels) {
  public static final SessionFacts NONE = new SessionFacts("", 0, List.of());

  public SessionFacts {
    Objects.requireNonNull(id, "id");
    labels = List.copyOf(labels);
  }
}
