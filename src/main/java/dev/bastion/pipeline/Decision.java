package dev.bastion.pipeline;

import java.util.List;

/** A policy decision about one exchange. Handled with exhaustive switches, never as a boolean. */
public sealed interface Decision {

  List<String> ruleIds();

  record Allow(List<String> ruleIds) implements Decision {
    public Allow {
      ruleIds = List.copyOf(ruleIds);
    }
  }

  record Deny(ReasonCode reason, List<String> ruleIds, String message) implements Decision {
    public Deny {
      ruleIds = List.copyOf(ruleIds);
    }
  }

  /** A human must approve; until approvals exist this is enforced as a denial with its own code. */
  record Ask(List<String> ruleIds, String message) implements Decision {
    public Ask {
      ruleIds = List.copyOf(ruleIds);
    }
  }
}
