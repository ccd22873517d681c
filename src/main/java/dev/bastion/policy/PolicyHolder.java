package dev.bastion.policy;

import dev.bastion.config.PolicyConfig;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The policy in force, swapped atomically on reload. A policy that does not compile is rejected
 * and the one in force stays. Give {@code holder::current} to {@link PolicyStage} and
 * {@link Visibility} so that both follow reloads.
 */
public final class PolicyHolder {
  private final AtomicReference<CompiledPolicy> current;

  private PolicyHolder(CompiledPolicy initial) {
    this.current = new AtomicReference<>(initial);
  }

  /** A holder for a policy that compiles, or the errors of one that doesn't. */
  public static Loaded load(PolicyConfig config) {
    return switch (PolicyCompiler.compile(config)) {
      case CompiledPolicy p -> new Loaded.Ready(new PolicyHolder(p));
      case PolicyErrors e -> new Loaded.Failed(e);
    };
  }

  public static PolicyHolder of(CompiledPolicy policy) {
    return new PolicyHolder(policy);
  }

  public CompiledPolicy current() {
    return current.get();
  }

  /**
   * Compiles and, if that succeeds, swaps in the new policy. Returns what the compilation produced:
   * the new {@link CompiledPolicy} (now in force) or the {@link PolicyErrors} (old policy kept).
   */
  public PolicyCompilation reload(PolicyConfig config) {
    PolicyCompilation result = PolicyCompiler.compile(config);
    if (result instanceof CompiledPolicy p) {
      current.set(p);
    }
    return result;
  }

  /** The outcome of the first load. */
  public sealed interface Loaded {
    record Ready(PolicyHolder holder) implements Loaded {}

    record Failed(PolicyErrors errors) implements Loaded {}
  }
}
