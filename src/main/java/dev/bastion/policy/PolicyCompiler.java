package dev.bastion.policy;

import dev.bastion.config.PolicyConfig;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelBuilder;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelSourceLocation;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelParser;
import dev.cel.parser.CelParserFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Compiles a {@link PolicyConfig} into a {@link CompiledPolicy}: every rule is parsed, type-checked
 * against the declared variables ({@link PolicyVariables}) and must yield a {@code bool}. All
 * problems of all rules are collected, with their locations, into one {@link PolicyErrors}; nothing
 * is thrown for bad policy text.
 */
public final class PolicyCompiler {
  private PolicyCompiler() {}

  /** Longest accepted {@code when} expression, in characters. */
  public static final int MAX_EXPRESSION_LENGTH = 16_384;

  private static final Pattern RULE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}");

  private static final CelOptions OPTIONS = options(false);

  private static CelOptions options(boolean unknownTracking) {
    return CelOptions.current()
        .enableUnknownTracking(unknownTracking)
        .enableHeterogeneousNumericComparisons(true) // JSON numbers: args.n > 2.5 works for ints too
        .comprehensionMaxIterations(10_000) // bounds the work a hostile argument list can cause
        .maxExpressionCodePointSize(MAX_EXPRESSION_LENGTH)
        .build();
  }

  /** Compiles, type-checks, and builds the programs that decide calls. */
  private static final Cel CEL = environment(OPTIONS);

  /**
   * Builds the programs for partial evaluation at discovery (unknown tracking on): only when a
   * listing is first filtered, not at start-up (class initialisation makes it once and thread-safe).
   */
  private static final class Partial {
    static final Cel CEL = environment(options(true));
  }

  /** The partial-evaluation program of a checked condition (see {@link CompiledPolicy.PartialProgram}). */
  static dev.cel.runtime.Program partialProgram(CelAbstractSyntaxTree ast) throws CelEvaluationException {
    return Partial.CEL.createProgram(ast);
  }

  private static Cel environment(CelOptions options) {
    CelBuilder builder = CelFactory.standardCelBuilder()
        .setOptions(options)
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS);
    PolicyVariables.declarations().forEach(builder::addVar);
    return builder.build();
  }

  /**
   * Parses the batch of all conditions, each already known to parse on its own (so the size limit
   * that matters is per condition, checked there; the batch is bounded by the config file's size).
   */
  private static final CelParser BATCH_PARSER = CelParserFactory.standardCelParserBuilder()
      .setOptions(OPTIONS.toBuilder().maxExpressionCodePointSize(Integer.MAX_VALUE).build())
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .build();

  public static PolicyCompilation compile(PolicyConfig policy) {
    return compile(policy, true);
  }

  /** @param together type-check all conditions in one checker run when they allow it (false: rule by rule, for tests) */
  static PolicyCompilation compile(PolicyConfig policy, boolean together) {
    List<PolicyError> errors = new ArrayList<>();
    if (policy == null) {
      return new PolicyErrors(List.of(new PolicyError("", 0, 0, 0, "no policy given; expected a policy with a default and rules")));
    }
    if (policy.defaultEffect() == null) {
      errors.add(new PolicyError("", 0, 0, 0, "the policy has no default effect; expected one of allow, deny, ask"));
    }
    List<String> conditions = new ArrayList<>();
    for (PolicyConfig.Rule rule : policy.rules()) {
      if (rule != null) {
        conditions.add(condition(rule));
      }
    }
    List<CelAbstractSyntaxTree> checked = together ? checkTogether(conditions) : null;
    Set<String> seen = new HashSet<>();
    List<CompiledPolicy.CompiledRule> rules = new ArrayList<>();
    int index = 0;
    int position = 0;
    for (PolicyConfig.Rule rule : policy.rules()) {
      index++;
      if (rule == null) {
        errors.add(new PolicyError("", 0, 0, 0, "rule #" + index + " is empty; expected id, effect and when"));
        continue;
      }
      String id = rule.id() == null ? "" : rule.id();
      int ruleLine = rule.line();
      boolean usable = true;
      if (!RULE_ID.matcher(id).matches()) {
        errors.add(new PolicyError(id, ruleLine, 0, 0, "rule #" + index + " has an invalid id; expected 1-128 characters of letters, digits, '_', '.', ':', '/', '-', starting with a letter or digit"));
        usable = false;
      } else if (id.equals(CompiledPolicy.DEFAULT_RULE_ID)) {
        errors.add(new PolicyError(id, ruleLine, 0, 0, "the rule id 'default' is reserved for decisions made by the policy default; choose another id"));
        usable = false;
      } else if (!seen.add(id)) {
        errors.add(new PolicyError(id, ruleLine, 0, 0, "duplicate rule id; every rule needs its own id"));
        usable = false;
      }
      if (rule.effect() == null) {
        errors.add(new PolicyError(id, ruleLine, 0, 0, "the rule has no effect; expected one of allow, deny, ask"));
        usable = false;
      }
      CelAbstractSyntaxTree ast = checked == null ? null : checked.get(position);
      position++;
      CompiledPolicy.CompiledRule compiled = compileRule(id, ruleLine, rule.effect(), rule.mode(), condition(rule), ast, errors);
      if (usable && compiled != null) {
        rules.add(compiled);
      }
    }
    if (!errors.isEmpty()) {
      return new PolicyErrors(errors);
    }
    return new CompiledPolicy(policy.defaultEffect(), rules);
  }

  private static String condition(PolicyConfig.Rule rule) {
    return rule.when() == null || rule.when().isBlank() ? "true" : rule.when();
  }

  /**
   * Type-checks every condition in one checker run, or answers null (the caller then checks rule
   * by rule and reports every error in place). cel-java builds the checker's standard environment —
   * hundreds of overloads — anew for every check, which was ~80% of the time spent compiling a
   * 1,000-rule policy; checked together, it is built once. The batch is the list literal
   * {@code [(c1), (c2), …]}: each condition must first parse on its own, so in parentheses (on lines
   * of their own, which also ends a trailing comment) it is exactly one element. Null unless the
   * batch parses and checks without error, has one element per condition, and each is a bool; each
   * rule then gets the checked element as its own AST (sharing the batch's type and reference maps).
   */
  private static List<CelAbstractSyntaxTree> checkTogether(List<String> conditions) {
    if (conditions.size() < 2) {
      return null;
    }
    try {
      StringBuilder source = new StringBuilder("[");
      for (String when : conditions) {
        if (when.length() > MAX_EXPRESSION_LENGTH || CEL.parse(when).hasError()) {
          return null;
        }
        source.append(source.length() > 1 ? ",\n(\n" : "(\n").append(when).append("\n)");
      }
      CelValidationResult parsed = BATCH_PARSER.parse(source.append(']').toString());
      if (parsed.hasError()) {
        return null;
      }
      CelValidationResult result = CEL.check(parsed.getAst());
      if (result.hasError()) {
        return null;
      }
      CelAbstractSyntaxTree all = result.getAst();
      if (all.getExpr().getKind() != CelExpr.ExprKind.Kind.LIST || all.getExpr().list().elements().size() != conditions.size()) {
        return null;
      }
      List<CelAbstractSyntaxTree> out = new ArrayList<>(conditions.size());
      for (CelExpr element : all.getExpr().list().elements()) {
        if (!SimpleType.BOOL.equals(all.getType(element.id()).orElse(null))) {
          return null;
        }
        out.add(CelAbstractSyntaxTree.newCheckedAst(element, all.getSource(), all.getReferenceMap(), all.getTypeMap()));
      }
      return out;
    } catch (CelValidationException | RuntimeException | StackOverflowError e) {
      return null;
    }
  }

  private static CompiledPolicy.CompiledRule compileRule(String id, int ruleLine, PolicyConfig.Effect effect, PolicyConfig.Mode mode,
      String when, CelAbstractSyntaxTree checked, List<PolicyError> errors) {
    if (when.length() > MAX_EXPRESSION_LENGTH) {
      errors.add(new PolicyError(id, ruleLine, 0, 0, "the condition is " + when.length() + " characters long; at most " + MAX_EXPRESSION_LENGTH + " are accepted"));
      return null;
    }
    try {
      if (checked != null) {
        return new CompiledPolicy.CompiledRule(id, effect, mode == null ? PolicyConfig.Mode.ENFORCE : mode, CEL.createProgram(checked),
            new CompiledPolicy.PartialProgram(checked), RuleIndex.guardOf(checked.getExpr()));
      }
      CelValidationResult result = CEL.compile(when);
      if (result.hasError()) {
        for (CelIssue issue : result.getErrors()) {
          CelSourceLocation loc = issue.getSourceLocation();
          boolean located = loc != null && loc.getLine() > 0;
          errors.add(new PolicyError(id, ruleLine, located ? loc.getLine() : 0, located ? loc.getColumn() + 1 : 0, issue.getMessage()));
        }
        return null;
      }
      CelAbstractSyntaxTree ast = result.getAst();
      if (!SimpleType.BOOL.equals(ast.getResultType())) {
        errors.add(new PolicyError(id, ruleLine, 1, 1, "the condition has type " + ast.getResultType().name()
            + " but must be a bool; compare explicitly, e.g. `args.flag == true`"));
        return null;
      }
      return new CompiledPolicy.CompiledRule(
          id, effect, mode == null ? PolicyConfig.Mode.ENFORCE : mode, CEL.createProgram(ast), new CompiledPolicy.PartialProgram(ast),
          RuleIndex.guardOf(ast.getExpr()));
    } catch (CelValidationException | CelEvaluationException e) {
      errors.add(new PolicyError(id, ruleLine, 0, 0, "the condition could not be compiled: " + e.getMessage()));
      return null;
    } catch (RuntimeException | StackOverflowError e) {
      errors.add(new PolicyError(id, ruleLine, 0, 0, "the condition could not be compiled (" + e.getClass().getSimpleName() + "); simplify it"));
      return null;
    }
  }
}
