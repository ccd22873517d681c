package dev.bastion.policy;

import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A top-level {@code &&} conjunct of a rule's condition whose value the rule index can work out
 * without CEL, from the request itself. {@link #test} answers {@link Truth#TRUE} or
 * {@link Truth#FALSE} only when CEL would give exactly that value, and {@link Truth#UNKNOWN}
 * whenever CEL might give something else — an evaluation error (a missing argument read with
 * {@code args.x}), or a value of a type the check does not model (a number where a string was
 * compared). The index skips a rule when one conjunct is FALSE (CEL's {@code &&} is false as soon
 * as one side is false, even when another side fails), decides it without CEL when every conjunct
 * is modelled and TRUE, and otherwise lets CEL evaluate it.
 *
 * <p>Shapes, with {@code "lit"} a string literal and {@code N} an int literal:
 * {@code method}, {@code tool.server}, {@code tool.name}, {@code agent.id} {@code == "lit"} (either
 * way round) or {@code in ["lit", …]}; {@code "lit" in agent.roles}; {@code "lit" in session.labels};
 * {@code has(args.x)}; {@code args.x == "lit"}, {@code args.x.startsWith("lit")},
 * {@code .endsWith("lit")}, {@code .contains("lit")}; {@code tool.annotations.h == true|false};
 * {@code session.call_count} compared with {@code N} ({@code < <= > >= == !=}); {@code !=} for the
 * equalities and {@code !} in front of any of these.
 */
sealed interface Conjunct {

  /** What CEL would make of the conjunct, as far as the index can tell without running it. */
  enum Truth {
    TRUE,
    FALSE,
    UNKNOWN;

    static Truth of(boolean b) {
      return b ? TRUE : FALSE;
    }

    Truth not() {
      return switch (this) {
        case TRUE -> FALSE;
        case FALSE -> TRUE;
        case UNKNOWN -> UNKNOWN; // !error is an error
      };
    }
  }

  Truth test(RuleIndex.Request r);

  /** {@code method}, {@code tool.server}, {@code tool.name} or {@code agent.id} is one of the values (always strings). */
  record FieldIs(String field, Set<String> values) implements Conjunct {
    @Override
    public Truth test(RuleIndex.Request r) {
      return Truth.of(values.contains(r.field(field)));
    }
  }

  /** {@code "role" in agent.roles} (a list of strings). */
  record HasRole(String role) implements Conjunct {
    @Override
    public Truth test(RuleIndex.Request r) {
      return Truth.of(r.roles().contains(role));
    }
  }

  /** {@code "label" in session.labels} (a list of strings). */
  record HasLabel(String label) implements Conjunct {
    @Override
    public Truth test(RuleIndex.Request r) {
      return Truth.of(r.labels().contains(label));
    }
  }

  /** {@code has(args.name)}: the arguments object has the key (whatever its value, JSON null included). */
  record HasArg(String name) implements Conjunct {
    @Override
    public Truth test(RuleIndex.Request r) {
      return Truth.of(r.arg(name) != null);
    }
  }

  enum TextOp {
    EQUALS,
    STARTS_WITH,
    ENDS_WITH,
    CONTAINS;

    boolean test(String value, String literal) {
      return switch (this) {
        case EQUALS -> value.equals(literal);
        case STARTS_WITH -> value.startsWith(literal);
        case ENDS_WITH -> value.endsWith(literal);
        case CONTAINS -> value.contains(literal);
      };
    }
  }

  /**
   * {@code args.name == "lit"}, {@code args.name.startsWith("lit")} …: known only when the argument
   * is a string; a missing argument is an evaluation error and any other type is left to CEL.
   */
  record ArgText(String name, TextOp op, String literal) implements Conjunct {
    @Override
    public Truth test(RuleIndex.Request r) {
      JsonNode value = r.arg(name);
      return value != null && value.isString() ? Truth.of(op.test(value.asString(), literal)) : Truth.UNKNOWN;
    }
  }

  /**
   * {@code tool.annotations.hint == value}: known when the target is a tool and the annotation is a
   * boolean, as written by the server or as MCP's default for the four standard hints.
   */
  record Hint(String hint, boolean value) implements Conjunct {
    @Override
    public Truth test(RuleIndex.Request r) {
      Boolean actual = r.hint(hint);
      return actual == null ? Truth.UNKNOWN : Truth.of(actual == value);
    }
  }

  /** {@code session.call_count <op> N} (the count is an int). */
  record CallCount(String op, long n) implements Conjunct {
    @Override
    public Truth test(RuleIndex.Request r) {
      long c = r.callCount();
      return Truth.of(switch (op) {
        case "_<_" -> c < n;
        case "_<=_" -> c <= n;
        case "_>_" -> c > n;
        case "_>=_" -> c >= n;
        case "_==_" -> c == n;
        default -> c != n; // "_!=_"
      });
    }
  }

  record Not(Conjunct inner) implements Conjunct {
    @Override
    public Truth test(RuleIndex.Request r) {
      return inner.test(r).not();
    }
  }

  // ---------------------------------------------------------------- recognising the shapes

  /** The modelled conjunct {@code e} is, or null when CEL has to evaluate it. */
  static Conjunct of(CelExpr e) {
    if (e.getKind() != CelExpr.ExprKind.Kind.CALL && e.getKind() != CelExpr.ExprKind.Kind.SELECT) {
      return null;
    }
    if (e.getKind() == CelExpr.ExprKind.Kind.SELECT) {
      return e.select().testOnly() && isVar(e.select().operand(), PolicyVariables.ARGS) ? new HasArg(e.select().field()) : null;
    }
    String fn = e.call().function();
    List<CelExpr> a = e.call().args();
    if (e.call().target().isPresent()) {
      CelExpr target = e.call().target().get();
      String name = argName(target);
      String lit = a.size() == 1 ? string(a.get(0)) : null;
      if (name == null || lit == null) {
        return null;
      }
      return switch (fn) {
        case "startsWith" -> new ArgText(name, TextOp.STARTS_WITH, lit);
        case "endsWith" -> new ArgText(name, TextOp.ENDS_WITH, lit);
        case "contains" -> new ArgText(name, TextOp.CONTAINS, lit);
        default -> null;
      };
    }
    if (fn.equals("!_") && a.size() == 1) {
      Conjunct inner = of(a.get(0));
      return inner == null ? null : new Not(inner);
    }
    if (a.size() != 2) {
      return null;
    }
    CelExpr left = a.get(0);
    CelExpr right = a.get(1);
    switch (fn) {
      case "_==_", "_!=_" -> {
        Conjunct eq = equality(left, right);
        if (eq == null) {
          eq = equality(right, left);
        }
        if (eq == null) {
          return compareCount(fn, left, right);
        }
        return fn.equals("_==_") ? eq : new Not(eq);
      }
      case "@in" -> {
        String lit = string(left);
        if (lit != null && isSelect(right, PolicyVariables.AGENT, "roles")) {
          return new HasRole(lit);
        }
        if (lit != null && isSelect(right, PolicyVariables.SESSION, "labels")) {
          return new HasLabel(lit);
        }
        String field = field(left);
        Set<String> values = field == null ? null : strings(right);
        return values == null ? null : new FieldIs(field, values);
      }
      case "_<_", "_<=_", "_>_", "_>=_" -> {
        return compareCount(fn, left, right);
      }
      default -> {
        return null;
      }
    }
  }

  /** {@code field == "lit"}, {@code args.x == "lit"} or {@code tool.annotations.h == bool}, in this order of operands. */
  private static Conjunct equality(CelExpr subject, CelExpr literal) {
    String lit = string(literal);
    if (lit != null) {
      String field = field(subject);
      if (field != null) {
        return new FieldIs(field, Set.of(lit));
      }
      String name = argName(subject);
      return name == null ? null : new ArgText(name, TextOp.EQUALS, lit);
    }
    if (literal.getKind() == CelExpr.ExprKind.Kind.CONSTANT && literal.constant().getKind() == CelConstant.Kind.BOOLEAN_VALUE
        && subject.getKind() == CelExpr.ExprKind.Kind.SELECT && !subject.select().testOnly()
        && isSelect(subject.select().operand(), PolicyVariables.TOOL, "annotations")) {
      return new Hint(subject.select().field(), literal.constant().booleanValue());
    }
    return null;
  }

  private static Conjunct compareCount(String fn, CelExpr left, CelExpr right) {
    if (isSelect(left, PolicyVariables.SESSION, "call_count") && isInt(right)) {
      return new CallCount(fn, right.constant().int64Value());
    }
    if (isSelect(right, PolicyVariables.SESSION, "call_count") && isInt(left)) {
      String flipped = switch (fn) {
        case "_<_" -> "_>_";
        case "_<=_" -> "_>=_";
        case "_>_" -> "_<_";
        case "_>=_" -> "_<=_";
        default -> fn; // == and != are symmetric
      };
      return new CallCount(flipped, left.constant().int64Value());
    }
    return null;
  }

  private static boolean isInt(CelExpr e) {
    return e.getKind() == CelExpr.ExprKind.Kind.CONSTANT && e.constant().getKind() == CelConstant.Kind.INT64_VALUE;
  }

  private static boolean isVar(CelExpr e, String name) {
    return e.getKind() == CelExpr.ExprKind.Kind.IDENT && e.ident().name().equals(name);
  }

  /** {@code variable.field}, not a {@code has()} test. */
  private static boolean isSelect(CelExpr e, String variable, String field) {
    return e.getKind() == CelExpr.ExprKind.Kind.SELECT && !e.select().testOnly() && e.select().field().equals(field)
        && isVar(e.select().operand(), variable);
  }

  /** The x of {@code args.x}, or null. */
  private static String argName(CelExpr e) {
    return e.getKind() == CelExpr.ExprKind.Kind.SELECT && !e.select().testOnly() && isVar(e.select().operand(), PolicyVariables.ARGS)
        ? e.select().field()
        : null;
  }

  /** {@code method}, {@code tool.name}, {@code tool.server}, {@code agent.id}: always strings. */
  private static String field(CelExpr e) {
    if (isVar(e, PolicyVariables.METHOD)) {
      return "method";
    }
    if (isSelect(e, PolicyVariables.TOOL, "name") || isSelect(e, PolicyVariables.TOOL, "server")) {
      return "tool." + e.select().field();
    }
    return isSelect(e, PolicyVariables.AGENT, "id") ? "agent.id" : null;
  }

  /** The values of a list literal of strings, or null. */
  private static Set<String> strings(CelExpr e) {
    if (e.getKind() != CelExpr.ExprKind.Kind.LIST) {
      return null;
    }
    Set<String> values = new LinkedHashSet<>();
    for (CelExpr element : e.list().elements()) {
      String v = string(element);
      if (v == null) {
        return null;
      }
      values.add(v);
    }
    return Set.copyOf(values);
  }

  static String string(CelExpr e) {
    return e.getKind() == CelExpr.ExprKind.Kind.CONSTANT && e.constant().getKind() == CelConstant.Kind.STRING_VALUE
        ? e.constant().stringValue()
        : null;
  }
}
