package dev.bastion.policy;

import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Least privilege at discovery: which tools, resources and prompts an agent is shown by
 * {@code tools/list}, {@code resources/list}, {@code resources/templates/list} and
 * {@code prompts/list}. A candidate is {@link Exposure#VISIBLE} when some enforce-mode allow or ask
 * rule could match a call to it with the arguments (and request time and session state) unknown,
 * and no deny rule is definitely true for it — see {@link CompiledPolicy#exposure}. The answer is a
 * superset of what will be allowed: the call itself is still decided by {@link PolicyStage}.
 */
public final class Visibility {

  private final Supplier<CompiledPolicy> policy;

  public Visibility(Supplier<CompiledPolicy> policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  public Visibility(CompiledPolicy policy) {
    this(() -> policy);
  }

  /** Whether the principal is shown this candidate (a tool, resource or prompt with its definition). */
  public Exposure exposure(Principal principal, Target candidate) {
    String method = switch (candidate.kind()) {
      case TOOL -> "tools/call";
      case RESOURCE -> "resources/read";
      case PROMPT -> "prompts/get";
      case COMPLETION -> "completion/complete";
      case GATEWAY -> null;
    };
    if (method == null) {
      return Exposure.VISIBLE;
    }
    PolicyInput input = new PolicyInput(principal, method, candidate, null, SessionFacts.NONE, Instant.EPOCH, "");
    return policy.get().exposure(input);
  }

  /** The items the principal is shown, in their original order. */
  public <T> List<T> visible(Principal principal, List<T> candidates, Function<T, Target> targetOf) {
    CompiledPolicy current = policy.get();
    Visibility pinned = new Visibility(current); // one policy version for the whole list
    return candidates.stream().filter(c -> pinned.exposure(principal, targetOf.apply(c)) == Exposure.VISIBLE).toList();
  }
}
