package dev.bastion.policy;

import dev.bastion.config.BastionConfig;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@code decide} stage: evaluates the policy for every exchange that acts on a tool, resource
 * or prompt, records the decision on the exchange log and enforces it. Denials name the rule ids and
 * the reason code, never the condition text.
 *
 * <p>Protocol housekeeping ({@link #HOUSEKEEPING_METHODS} and every {@code notifications/*}) is not
 * policy-checked here: it acts on no tool, and the list methods are filtered per agent by
 * {@link Visibility} instead. Every other method — {@code tools/call}, {@code resources/read},
 * {@code prompts/get}, {@code completion/complete}, {@code resources/subscribe},
 * {@code logging/setLevel}, and any method this gateway does not know — is decided, so a policy
 * with {@code default: deny} refuses what no rule allows.
 *
 * <p>The policy is read through a supplier on every exchange, so a hot reload that swaps an
 * {@code AtomicReference<CompiledPolicy>} takes effect atomically between two exchanges.
 */
public final class PolicyStage implements Stage {

  /** Methods that pass this stage without a decision. */
  public static final Set<String> HOUSEKEEPING_METHODS = Set.of(
      "initialize",
      "ping",
      "server/discover",
      "tools/list",
      "resources/list",
      "resources/templates/list",
      "prompts/list",
      "subscriptions/listen");

  /** Whether a method is policy-checked by this stage. */
  public enum Scope {
    HOUSEKEEPING,
    DECIDED
  }

  private final Supplier<CompiledPolicy> policy;
  private final Function<Exchange, SessionFacts> sessions;

  /**
   * @param policy the current policy (read once per exchange)
   * @param sessions what is known about the exchange's session (call count, labels); called once per
   *     decided exchange
   */
  public PolicyStage(Supplier<CompiledPolicy> policy, Function<Exchange, SessionFacts> sessions) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.sessions = Objects.requireNonNull(sessions, "sessions");
  }

  /** A fixed policy; session facts carry only the exchange's session id. */
  public PolicyStage(CompiledPolicy policy) {
    this(() -> policy, PolicyStage::sessionIdOnly);
  }

  /**
   * Compiles the configured policy; fails with every error listed if it does not compile (the
   * config loader is expected to have compiled it already and rejected the file).
   */
  public static PolicyStage fromConfig(BastionConfig config) {
    return new PolicyStage(compileOrThrow(config));
  }

  static CompiledPolicy compileOrThrow(BastionConfig config) {
    return switch (PolicyCompiler.compile(config.policy())) {
      case CompiledPolicy p -> p;
      case PolicyErrors e -> throw new IllegalArgumentException("the policy does not compile:\n" + e.describe());
    };
  }

  /** The session facts available without a session store: the id only. */
  public static SessionFacts sessionIdOnly(Exchange exchange) {
    return new SessionFacts(exchange.sessionId() == null ? "" : exchange.sessionId(), 0, java.util.List.of());
  }

  public static Scope scopeOf(String method) {
    return method.startsWith("notifications/") || HOUSEKEEPING_METHODS.contains(method) ? Scope.HOUSEKEEPING : Scope.DECIDED;
  }

  @Override
  public String name() {
    return "decide";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    return switch (scopeOf(exchange.method())) {
      case HOUSEKEEPING -> chain.proceed(exchange);
      case DECIDED -> decide(exchange, chain);
    };
  }

  private Outcome decide(Exchange exchange, Chain chain) {
    PolicyEvaluation evaluation = policy.get().decide(PolicyInput.of(exchange, sessions.apply(exchange)));
    Decision decision = evaluation.decision();
    exchange.log().decision(decision);
    for (String shadow : evaluation.shadow()) {
      exchange.log().shadow(shadow);
    }
    for (String note : evaluation.notes()) {
      exchange.log().note(note);
    }
    return switch (decision) {
      case Decision.Allow a -> chain.proceed(exchange);
      case Decision.Deny d -> new Outcome.Failure(Fault.of(d.reason(), d.message(), d.ruleIds()));
      case Decision.Ask a -> new Outcome.Failure(Fault.of(ReasonCode.APPROVAL_REQUIRED, a.message(), a.ruleIds()));
    };
  }
}
