package dev.bastion.federation;

import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;

/**
 * Least privilege at discovery: whether an agent may even see a tool, prompt or resource in a list.
 * The policy engine answers this by asking whether some rule could allow a call to it.
 */
@FunctionalInterface
public interface Discovery {

  enum Visibility {
    SHOWN,
    HIDDEN
  }

  Visibility visibility(Principal principal, Target target);

  /** Nothing is shown: the fail-closed default when no policy is loaded. */
  Discovery NOTHING = (p, t) -> Visibility.HIDDEN;
}
