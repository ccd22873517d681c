package dev.bastion.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy that failed to compile, with every problem found (never just the first). */
public record PolicyErrors(List<PolicyError> errors) implements PolicyCompilation {
  public PolicyErrors {
    errors = List.copyOf(errors);
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("PolicyErrors needs at least one error");
    }
  }

  /** All errors, one per line. */
  public String describe() {
    return errors.stream().map(PolicyError::describe).collect(Collectors.joining("\n"));
  }
}
