package dev.bastion.policy;

import dev.bastion.config.PolicyConfig;
import dev.bastion.config.PolicyConfig.Effect;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.ReasonCode;
import dev.cel.runtime.CelAttributePattern;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelUnknownSet;
import dev.cel.runtime.CelVariableResolver;
import dev.cel.runtime.PartialVars;
import dev.cel.runtime.Program;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A policy compiled once at load: immutable, thread-safe, and evaluated without any parsing.
 *
 * <p>Combining: every enforce-mode rule is evaluated; among those whose condition holds, deny
 * overrides ask, which overrides allow; if none holds, the policy's default effect applies (with
 * the rule id {@value #DEFAULT_RULE_ID}). A rule whose evaluation fails (a missing key, a type
 * mismatch at run time) fails closed: it counts as matching for deny and ask rules and as not
 * matching for allow rules. Shadow-mode rules are evaluated the same way but only reported.
 */
public final class CompiledPolicy implements PolicyCompilation {

  /** The rule id a decision carries when no rule matched and the policy default decided. */
  public static final String DEFAULT_RULE_ID = "default";

  /** Unknown at discovery: a listing cannot know the arguments, the call time or the session state then. */
  private static final List<CelAttributePattern> DISCOVERY_UNKNOWNS = List.of(
      CelAttributePattern.create(PolicyVariables.ARGS),
      CelAttributePattern.create(PolicyVariables.REQUEST),
      CelAttributePattern.create(PolicyVariables.SESSION));

  /**
   * @param program evaluates the condition over complete variables (built without unknown tracking,
   *     which makes every evaluation several times slower)
   * @param partial the same condition for partial evaluation at discovery (unknown tracking on), built on first use
   */
  record CompiledRule(String id, Effect effect, PolicyConfig.Mode mode, Program program, PartialProgram partial, RuleIndex.Guard guard) {}

  /**
   * A rule's program for partial evaluation, built the first time discovery needs it rather than at
   * load: most of a policy's start-up cost would otherwise be spent on programs a gateway whose
   * agents never list tools does not use. Built once; safe to share between threads.
   */
  static final class PartialProgram {
    private final dev.cel.common.CelAbstractSyntaxTree ast;
    private volatile Program program;

    PartialProgram(dev.cel.common.CelAbstractSyntaxTree ast) {
      this.ast = ast;
    }

    Program get() throws CelEvaluationException {
      Program p = program;
      if (p == null) {
        synchronized (this) {
          p = program;
          if (p == null) {
            p = PolicyCompiler.partialProgram(ast);
            program = p;
          }
        }
      }
      return p;
    }
  }

  /** How one rule fared for one request, for {@code bastion policy explain}. */
  public record RuleTrace(String id, Effect effect, PolicyConfig.Mode mode, String outcome, boolean skippedByIndex) {}

  private enum RuleOutcome {
    TRUE,
    FALSE,
    UNKNOWN,
    ERROR
  }

  private final Effect defaultEffect;
  private final List<CompiledRule> enforced;
  private final List<CompiledRule> shadow;
  private final List<String> ruleIds;
  private final List<CompiledRule> all;
  private final RuleIndex enforcedIndex;
  private final RuleIndex shadowIndex;

  CompiledPolicy(Effect defaultEffect, List<CompiledRule> rules) {
    this.defaultEffect = defaultEffect;
    this.all = List.copyOf(rules);
    this.enforced = rules.stream().filter(r -> r.mode() == PolicyConfig.Mode.ENFORCE).toList();
    this.shadow = rules.stream().filter(r -> r.mode() == PolicyConfig.Mode.SHADOW).toList();
    this.ruleIds = rules.stream().map(CompiledRule::id).toList();
    this.enforcedIndex = new RuleIndex(enforced);
    this.shadowIndex = new RuleIndex(shadow);
  }

  /** All rules, in configuration order. */
  List<CompiledRule> rules() {
    return all;
  }

  /** The index of the enforce-mode rules (tests check it loses no rule). */
  RuleIndex enforcedIndex() {
    return enforcedIndex;
  }

  /** How many enforce-mode rules have no indexable literal and are evaluated for every request. */
  public int unindexedRules() {
    return enforcedIndex.catchAllSize();
  }

  public Effect defaultEffect() {
    return defaultEffect;
  }

  /** The ids of all rules, in configuration order (enforced and shadow). */
  public List<String> ruleIds() {
    return ruleIds;
  }

  /** Decides one request. Never throws for any input. */
  public PolicyEvaluation decide(PolicyInput input) {
    return decide(input, true);
  }

  /** The same decision, evaluating every rule (the reference the index is tested against). */
  PolicyEvaluation decideWithoutIndex(PolicyInput input) {
    return decide(input, false);
  }

  /** Every rule's outcome for one request, and whether the index would skip it. */
  public List<RuleTrace> explain(PolicyInput input) {
    CelVariableResolver resolver = new Activations(input);
    RuleIndex.Request request = new RuleIndex.Request(input);
    List<RuleTrace> out = new ArrayList<>();
    for (CompiledRule rule : all) {
      RuleOutcome outcome = evaluate(rule, resolver);
      out.add(new RuleTrace(rule.id(), rule.effect(), rule.mode(), outcome.name().toLowerCase(java.util.Locale.ROOT),
          rule.guard().verdict(request) == Conjunct.Truth.FALSE));
    }
    return out;
  }

  /** The variables for CEL, built only when some candidate's guard cannot decide it. */
  private static final class Resolver {
    private final PolicyInput input;
    private Activations activations;

    Resolver(PolicyInput input) {
      this.input = input;
    }

    CelVariableResolver get() {
      // one lazy resolver for all rules: no per-rule activation copy, and variables no rule reads are never built
      return activations != null ? activations : (activations = new Activations(input));
    }
  }

  private PolicyEvaluation decide(PolicyInput input, boolean indexed) {
    Resolver resolver = new Resolver(input);
    RuleIndex.Request request = indexed ? new RuleIndex.Request(input) : null;
    List<String> notes = List.of();
    Matches matches = new Matches();
    RuleIndex.Candidates candidates = indexed ? enforcedIndex.candidates(request) : enforcedIndex.everyRule();
    for (int i = candidates.next(); i >= 0; i = candidates.next()) {
      CompiledRule rule = enforcedIndex.rule(i);
      RuleOutcome outcome = outcome(rule, request, resolver);
      if (outcome == null) {
        continue; // the index knows the rule is false
      }
      if (outcome == RuleOutcome.ERROR) {
        notes = notes.isEmpty() ? new ArrayList<>() : notes;
        notes.add("policy rule " + rule.id() + " failed to evaluate; counted as " + (failClosedMatch(rule) ? "matching" : "not matching"));
      }
      if (counts(rule, outcome)) {
        matches.add(rule);
      }
    }
    Decision decision = matches.combine(defaultEffect);
    if (shadow.isEmpty()) {
      return new PolicyEvaluation(decision, List.of(), notes);
    }
    List<String> shadowNotes = new ArrayList<>();
    RuleIndex.Candidates shadowCandidates = indexed ? shadowIndex.candidates(request) : shadowIndex.everyRule();
    for (int i = shadowCandidates.next(); i >= 0; i = shadowCandidates.next()) {
      CompiledRule rule = shadowIndex.rule(i);
      RuleOutcome outcome = outcome(rule, request, resolver);
      if (outcome == null || !counts(rule, outcome)) {
        continue;
      }
      Matches whatIf = matches.copy();
      whatIf.add(rule);
      Decision would = whatIf.combine(defaultEffect);
      String note = "shadow rule " + rule.id() + " would " + effectName(rule.effect())
          + (outcome == RuleOutcome.ERROR ? " (evaluation failed; counted as matching)" : "")
          + (kind(would).equals(kind(decision))
              ? "; decision unchanged (" + kind(decision) + ")"
              : "; decision would change from " + kind(decision) + " to " + kind(would));
      shadowNotes.add(note);
    }
    return new PolicyEvaluation(decision, shadowNotes, notes);
  }

  /**
   * One rule's outcome: with the index ({@code request} not null) its guard decides when it can —
   * null when the rule is certainly false, TRUE when the guard is the whole condition and holds —
   * and CEL evaluates it otherwise; without the index CEL always evaluates it.
   */
  private static RuleOutcome outcome(CompiledRule rule, RuleIndex.Request request, Resolver resolver) {
    if (request != null) {
      switch (rule.guard().verdict(request)) {
        case FALSE -> {
          return null;
        }
        case TRUE -> {
          return RuleOutcome.TRUE;
        }
        case UNKNOWN -> {}
      }
    }
    return evaluate(rule, resolver.get());
  }

  /**
   * Whether some call to the input's target could be allowed, with the arguments, the request
   * time and the session state unknown (CEL partial evaluation; for a resource template, whose
   * definition has no {@code uri}, the resource is unknown too). Enforce-mode rules only. A deny
   * rule hides the target only when it is definitely true whatever the unknowns; an allow or ask
   * rule makes it visible when it is true, depends on an unknown, or fails to evaluate. With no
   * such rule, a deny default hides and an allow/ask default shows.
   */
  public Exposure exposure(PolicyInput input) {
    Map<String, Object> vars = new LinkedHashMap<>(Activations.of(input));
    vars.remove(PolicyVariables.ARGS);
    vars.remove(PolicyVariables.REQUEST);
    vars.remove(PolicyVariables.SESSION);
    List<CelAttributePattern> unknowns = new ArrayList<>(DISCOVERY_UNKNOWNS);
    if (input.target().kind() == dev.bastion.pipeline.Target.Kind.RESOURCE
        && vars.get(PolicyVariables.RESOURCE) instanceof Map<?, ?> resource
        && "".equals(resource.get("uri"))) {
      // a resource template: the concrete URI is chosen by the agent at read time
      vars.remove(PolicyVariables.RESOURCE);
      unknowns.add(CelAttributePattern.create(PolicyVariables.RESOURCE));
    }
    PartialVars partial = PartialVars.of(vars, unknowns.toArray(CelAttributePattern[]::new));
    boolean couldPermit = false;
    for (CompiledRule rule : enforced) {
      RuleOutcome outcome = evaluatePartial(rule, partial);
      switch (rule.effect()) {
        case DENY -> {
          if (outcome == RuleOutcome.TRUE) {
            return Exposure.HIDDEN;
          }
        }
        case ALLOW, ASK -> couldPermit |= outcome != RuleOutcome.FALSE;
      }
    }
    if (couldPermit) {
      return Exposure.VISIBLE;
    }
    return switch (defaultEffect) {
      case DENY -> Exposure.HIDDEN;
      case ALLOW, ASK -> Exposure.VISIBLE;
    };
  }

  private static RuleOutcome evaluate(CompiledRule rule, CelVariableResolver vars) {
    try {
      return classify(rule.program().eval(vars), false);
    } catch (CelEvaluationException | RuntimeException e) {
      return RuleOutcome.ERROR;
    }
  }

  private static RuleOutcome evaluatePartial(CompiledRule rule, PartialVars vars) {
    try {
      return classify(rule.partial().get().eval(vars), true);
    } catch (CelEvaluationException | RuntimeException e) {
      return RuleOutcome.ERROR;
    }
  }

  private static RuleOutcome classify(Object result, boolean partial) {
    if (result instanceof Boolean b) {
      return b ? RuleOutcome.TRUE : RuleOutcome.FALSE;
    }
    if (partial && result instanceof CelUnknownSet) {
      return RuleOutcome.UNKNOWN;
    }
    // an unknown in a full evaluation, or a non-bool: cannot happen for a type-checked bool
    // expression over complete variables, and is treated as an evaluation failure if it does
    return RuleOutcome.ERROR;
  }

  private static boolean failClosedMatch(CompiledRule rule) {
    return switch (rule.effect()) {
      case DENY, ASK -> true;
      case ALLOW -> false;
    };
  }

  private static boolean counts(CompiledRule rule, RuleOutcome outcome) {
    return switch (outcome) {
      case TRUE -> true;
      case FALSE -> false;
      case ERROR, UNKNOWN -> failClosedMatch(rule);
    };
  }

  private static String effectName(Effect effect) {
    return switch (effect) {
      case ALLOW -> "allow";
      case DENY -> "deny";
      case ASK -> "ask";
    };
  }

  static String kind(Decision decision) {
    return switch (decision) {
      case Decision.Allow a -> "allow";
      case Decision.Deny d -> "deny";
      case Decision.Ask a -> "ask";
    };
  }

  /** The rules that matched one request, by effect, in configuration order (lists made on first use). */
  private static final class Matches {
    private List<String> deny = List.of();
    private List<String> ask = List.of();
    private List<String> allow = List.of();

    void add(CompiledRule rule) {
      switch (rule.effect()) {
        case DENY -> deny = with(deny, rule.id());
        case ASK -> ask = with(ask, rule.id());
        case ALLOW -> allow = with(allow, rule.id());
      }
    }

    private static List<String> with(List<String> list, String id) {
      List<String> out = list.isEmpty() ? new ArrayList<>(2) : list;
      out.add(id);
      return out;
    }

    Matches copy() {
      Matches m = new Matches();
      m.deny = new ArrayList<>(deny);
      m.ask = new ArrayList<>(ask);
      m.allow = new ArrayList<>(allow);
      return m;
    }

    Decision combine(Effect defaultEffect) {
      if (!deny.isEmpty()) {
        return new Decision.Deny(ReasonCode.POLICY_DENIED, deny, "denied by policy rule " + String.join(", ", deny));
      }
      if (!ask.isEmpty()) {
        return new Decision.Ask(ask, "approval required by rule " + String.join(", ", ask) + "; approvals are not enabled");
      }
      if (!allow.isEmpty()) {
        return new Decision.Allow(allow);
      }
      return switch (defaultEffect) {
        case DENY -> DEFAULT_DENY;
        case ASK -> DEFAULT_ASK;
        case ALLOW -> DEFAULT_ALLOW;
      };
    }
  }

  private static final List<String> DEFAULT_IDS = List.of(DEFAULT_RULE_ID);
  private static final Decision DEFAULT_DENY =
      new Decision.Deny(ReasonCode.POLICY_DENIED, DEFAULT_IDS, "denied by policy default: no rule allows this request");
  private static final Decision DEFAULT_ASK = new Decision.Ask(DEFAULT_IDS, "approval required by policy default; approvals are not enabled");
  private static final Decision DEFAULT_ALLOW = new Decision.Allow(DEFAULT_IDS);
}
