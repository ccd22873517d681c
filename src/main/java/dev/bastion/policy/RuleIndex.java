package dev.bastion.policy;

import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds, for one request, the few rules that can possibly match, so most rules are never evaluated.
 *
 * <p>At compile time each rule's condition is searched for top-level conjuncts that compare
 * {@code method}, {@code tool.server}, {@code tool.name} or {@code agent.id} with a string literal
 * ({@code ==} either way round, or {@code in} a list of string literals), and for
 * {@code "role" in agent.roles}. Such a rule can only be true when the request
 * has one of those values (and those roles): CEL's {@code &&} is false as soon as one side is false, even if the other
 * side fails to evaluate, so skipping the rule gives exactly the result evaluating it would. Rules are
 * bucketed by tool name, else by method; the rest go to a catch-all bucket. The buckets are merged in
 * configuration order and each candidate's guard (agent id and roles included) is checked before its
 * program runs.
 */
final class RuleIndex {

  /** Literal values a rule requires; null means "any". */
  /**
   * @param exact every top-level conjunct is one of the literals: the rule is true exactly when the
   *     guard admits the request (used by {@code policy lint} to find shadowed rules)
   * @param complete every top-level conjunct is checked by the guard (literals on method, server,
   *     tool name and agent id, required roles, {@code true}): the condition is true exactly when
   *     the guard admits the request, so the decision needs no CEL evaluation for it
   */
  record Guard(Set<String> methods, Set<String> servers, Set<String> names, boolean exact, Set<String> agents, Set<String> roles,
      boolean complete) {
    static final Guard NONE = new Guard(null, null, null, false, null, Set.of(), false);

    Guard(Set<String> methods, Set<String> servers, Set<String> names, boolean exact) {
      this(methods, servers, names, exact, null, Set.of(), false);
    }

    /** The full check, including the agent id and the roles the rule requires ({@code 'r' in agent.roles}). */
    boolean admits(String method, String server, String name, String agent, java.util.List<String> agentRoles) {
      if (!admits(method, server, name) || (agents != null && !agents.contains(agent))) {
        return false;
      }
      if (!roles.isEmpty()) { // the common case of no required role allocates no iterator
        for (String role : roles) {
          if (!agentRoles.contains(role)) {
            return false;
          }
        }
      }
      return true;
    }

    /** Whether no request can satisfy the guard (contradicting literals). */
    boolean empty() {
      return (methods != null && methods.isEmpty()) || (servers != null && servers.isEmpty()) || (names != null && names.isEmpty());
    }

    /** Whether every request this other guard admits, this one admits too. */
    boolean covers(Guard other) {
      return covers(methods, other.methods) && covers(servers, other.servers) && covers(names, other.names);
    }

    private static boolean covers(Set<String> mine, Set<String> theirs) {
      return mine == null || (theirs != null && mine.containsAll(theirs));
    }

    boolean admits(String method, String server, String name) {
      return (methods == null || methods.contains(method)) && (servers == null || servers.contains(server))
          && (names == null || names.contains(name));
    }

    boolean isNone() {
      return methods == null && servers == null && names == null;
    }
  }

  private static final int[] NONE = new int[0];

  private final List<CompiledPolicy.CompiledRule> rules;
  private final Map<String, int[]> byName;
  private final Map<String, int[]> byMethod;
  private final int[] catchAll;

  RuleIndex(List<CompiledPolicy.CompiledRule> rules) {
    this.rules = List.copyOf(rules);
    Map<String, List<Integer>> names = new HashMap<>();
    Map<String, List<Integer>> methods = new HashMap<>();
    List<Integer> rest = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      Guard g = rules.get(i).guard();
      if (g.names() != null) {
        for (String n : g.names()) {
          names.computeIfAbsent(n, k -> new ArrayList<>()).add(i);
        }
      } else if (g.methods() != null) {
        for (String m : g.methods()) {
          methods.computeIfAbsent(m, k -> new ArrayList<>()).add(i);
        }
      } else {
        rest.add(i);
      }
    }
    this.byName = freeze(names);
    this.byMethod = freeze(methods);
    this.catchAll = rest.stream().mapToInt(Integer::intValue).toArray();
  }

  /** How many rules sit in the catch-all bucket (evaluated for every request). */
  int catchAllSize() {
    return catchAll.length;
  }

  /** The rules that may match a request with these values, in configuration order. */
  List<CompiledPolicy.CompiledRule> candidates(String method, String server, String name, String agent, java.util.List<String> roles) {
    int[] a = byName.getOrDefault(name, NONE);
    int[] b = byMethod.getOrDefault(method, NONE);
    int[] c = catchAll;
    List<CompiledPolicy.CompiledRule> out = new ArrayList<>(a.length + b.length + c.length);
    int i = 0;
    int j = 0;
    int k = 0;
    while (i < a.length || j < b.length || k < c.length) {
      int x = i < a.length ? a[i] : Integer.MAX_VALUE;
      int y = j < b.length ? b[j] : Integer.MAX_VALUE;
      int z = k < c.length ? c[k] : Integer.MAX_VALUE;
      int next;
      if (x <= y && x <= z) {
        next = x;
        i++;
      } else if (y <= z) {
        next = y;
        j++;
      } else {
        next = z;
        k++;
      }
      CompiledPolicy.CompiledRule rule = rules.get(next);
      if (rule.guard().admits(method, server, name, agent, roles)) {
        out.add(rule);
      }
    }
    return out;
  }

  private static Map<String, int[]> freeze(Map<String, List<Integer>> m) {
    Map<String, int[]> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
    return Map.copyOf(out);
  }

  // ---------------------------------------------------------------- guard extraction

  /** The guard implied by a checked condition's top-level conjuncts. */
  static Guard guardOf(CelExpr expr) {
    List<CelExpr> conjuncts = new ArrayList<>();
    flatten(expr, conjuncts);
    Set<String> methods = null;
    Set<String> servers = null;
    Set<String> names = null;
    Set<String> agents = null;
    Set<String> roles = new LinkedHashSet<>();
    boolean exact = true;
    boolean complete = true;
    for (CelExpr c : conjuncts) {
      String role = requiredRole(c);
      if (role != null) {
        roles.add(role);
        exact = false; // lint's "exact" means: literals on method/server/name only
        continue;
      }
      Literal lit = literal(c);
      if (lit == null) {
        exact &= isTrue(c);
        complete &= isTrue(c);
        continue;
      }
      switch (lit.field()) {
        case "method" -> methods = intersect(methods, lit.values());
        case "tool.server" -> servers = intersect(servers, lit.values());
        case "tool.name" -> names = intersect(names, lit.values());
        case "agent.id" -> {
          agents = intersect(agents, lit.values());
          exact = false;
        }
        default -> {}
      }
    }
    return new Guard(methods, servers, names, exact, agents, Set.copyOf(roles), complete);
  }

  private static boolean isTrue(CelExpr e) {
    return e.getKind() == CelExpr.ExprKind.Kind.CONSTANT && e.constant().getKind() == CelConstant.Kind.BOOLEAN_VALUE
        && e.constant().booleanValue();
  }

  private record Literal(String field, Set<String> values) {}

  private static Set<String> intersect(Set<String> current, Set<String> values) {
    if (current == null) {
      return values;
    }
    Set<String> out = new LinkedHashSet<>(current);
    out.retainAll(values);
    return Set.copyOf(out);
  }

  private static void flatten(CelExpr expr, List<CelExpr> out) {
    if (expr.getKind() == CelExpr.ExprKind.Kind.CALL && expr.call().function().equals("_&&_") && expr.call().target().isEmpty()) {
      for (CelExpr arg : expr.call().args()) {
        flatten(arg, out);
      }
    } else {
      out.add(expr);
    }
  }

  private static Literal literal(CelExpr c) {
    if (c.getKind() != CelExpr.ExprKind.Kind.CALL || c.call().target().isPresent() || c.call().args().size() != 2) {
      return null;
    }
    String fn = c.call().function();
    CelExpr left = c.call().args().get(0);
    CelExpr right = c.call().args().get(1);
    if (fn.equals("_==_")) {
      String field = field(left);
      String value = string(right);
      if (field == null || value == null) {
        field = field(right);
        value = string(left);
      }
      return field == null || value == null ? null : new Literal(field, Set.of(value));
    }
    if (fn.equals("@in")) {
      String field = field(left);
      if (field == null || right.getKind() != CelExpr.ExprKind.Kind.LIST) {
        return null;
      }
      Set<String> values = new LinkedHashSet<>();
      for (CelExpr e : right.list().elements()) {
        String v = string(e);
        if (v == null) {
          return null;
        }
        values.add(v);
      }
      return new Literal(field, Set.copyOf(values));
    }
    return null;
  }

  /** {@code "r" in agent.roles}: the rule needs role r. */
  private static String requiredRole(CelExpr c) {
    if (c.getKind() != CelExpr.ExprKind.Kind.CALL || !c.call().function().equals("@in") || c.call().args().size() != 2) {
      return null;
    }
    CelExpr list = c.call().args().get(1);
    if (list.getKind() == CelExpr.ExprKind.Kind.SELECT && !list.select().testOnly() && list.select().field().equals("roles")
        && list.select().operand().getKind() == CelExpr.ExprKind.Kind.IDENT
        && list.select().operand().ident().name().equals(PolicyVariables.AGENT)) {
      return string(c.call().args().get(0));
    }
    return null;
  }

  private static String field(CelExpr e) {
    if (e.getKind() == CelExpr.ExprKind.Kind.IDENT && e.ident().name().equals(PolicyVariables.METHOD)) {
      return "method";
    }
    if (e.getKind() == CelExpr.ExprKind.Kind.SELECT && !e.select().testOnly()) {
      CelExpr operand = e.select().operand();
      if (operand.getKind() == CelExpr.ExprKind.Kind.IDENT && operand.ident().name().equals(PolicyVariables.TOOL)) {
        String f = e.select().field();
        if (f.equals("name") || f.equals("server")) {
          return "tool." + f;
        }
      }
      if (operand.getKind() == CelExpr.ExprKind.Kind.IDENT && operand.ident().name().equals(PolicyVariables.AGENT)
          && e.select().field().equals("id")) {
        return "agent.id";
      }
    }
    return null;
  }

  private static String string(CelExpr e) {
    return e.getKind() == CelExpr.ExprKind.Kind.CONSTANT && e.constant().getKind() == CelConstant.Kind.STRING_VALUE
        ? e.constant().stringValue()
        : null;
  }
}
