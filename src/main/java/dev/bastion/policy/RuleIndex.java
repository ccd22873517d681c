package dev.bastion.policy;

import dev.bastion.pipeline.Target;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Finds, for one request, the few rules that can possibly match, so most rules are never evaluated.
 *
 * <p>At compile time each rule's condition is split into its top-level {@code &&} conjuncts, and
 * those of the shapes {@link Conjunct} models become the rule's {@link Guard}: literals on
 * {@code method}, {@code tool.server}, {@code tool.name}, {@code agent.id}, required roles, argument
 * presence and string tests, tool annotation hints, session labels and call counts. A rule is only
 * a candidate when no conjunct of its guard is false: CEL's {@code &&} is false as soon as one side
 * is false, even if another side fails to evaluate, so skipping it gives exactly the result evaluating
 * it would. Rules are bucketed by one key of their guard — tool name, else method, else an argument's
 * literal value or prefix ({@code has(args.p) && args.p.startsWith("/x/")}), else agent id, else a
 * required role, else a required argument — and the rest go to a catch-all bucket. For one request
 * the buckets its values select are merged in configuration order and each candidate's whole guard
 * is checked; a rule whose every conjunct the guard knows to be true is decided without CEL.
 */
final class RuleIndex {

  /**
   * What a rule's top-level conjuncts require, as far as the index understands them.
   *
   * @param methods, servers, names, agents literal values required of the field; null means "any"
   * @param exact every top-level conjunct is a literal on method, server or tool name (or
   *     {@code true}): the rule is true exactly when those admit the request (used by
   *     {@code policy lint} to find shadowed rules)
   * @param roles roles the rule requires ({@code "r" in agent.roles})
   * @param complete every top-level conjunct is modelled (here or in {@code checks}), so when each is
   *     known to be true the condition is true without running CEL
   * @param checks the other modelled conjuncts (arguments, annotations, session, negations)
   */
  record Guard(Set<String> methods, Set<String> servers, Set<String> names, boolean exact, Set<String> agents, Set<String> roles,
      boolean complete, List<Conjunct> checks) {
    static final Guard NONE = new Guard(null, null, null, false, null, Set.of(), false, List.of());

    Guard(Set<String> methods, Set<String> servers, Set<String> names, boolean exact) {
      this(methods, servers, names, exact, null, Set.of(), false, List.of());
    }

    /**
     * FALSE when some conjunct is false (CEL would say false: skip the rule), TRUE when the guard
     * is the whole condition and every conjunct is true (CEL would say true), else UNKNOWN.
     */
    Conjunct.Truth verdict(Request r) {
      if (!admits(r.method, r.server, r.name) || (agents != null && !agents.contains(r.agent))) {
        return Conjunct.Truth.FALSE;
      }
      if (!roles.isEmpty()) { // the common case of no required role allocates no iterator
        for (String role : roles) {
          if (!r.roles.contains(role)) {
            return Conjunct.Truth.FALSE;
          }
        }
      }
      boolean known = complete;
      for (int i = 0; i < checks.size(); i++) {
        switch (checks.get(i).test(r)) {
          case FALSE -> {
            return Conjunct.Truth.FALSE;
          }
          case UNKNOWN -> known = false;
          case TRUE -> {}
        }
      }
      return known ? Conjunct.Truth.TRUE : Conjunct.Truth.UNKNOWN;
    }

    /** Whether no request can satisfy the guard (contradicting literals). */
    boolean empty() {
      return (methods != null && methods.isEmpty()) || (servers != null && servers.isEmpty()) || (names != null && names.isEmpty());
    }

    /** Whether every request this other guard admits, this one admits too (literals on method, server, tool name). */
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

    /** The argument {@code has(args.x)} requires, or null. */
    String requiredArg() {
      for (Conjunct c : checks) {
        if (c instanceof Conjunct.HasArg(String name)) {
          return name;
        }
      }
      return null;
    }

    /** A string test on the required argument that can key an index bucket ({@code ==} or {@code startsWith}), or null. */
    Conjunct.ArgText argKey() {
      String arg = requiredArg();
      if (arg == null) {
        return null;
      }
      for (Conjunct c : checks) {
        if (c instanceof Conjunct.ArgText t && t.name().equals(arg) && (t.op() == Conjunct.TextOp.EQUALS || t.op() == Conjunct.TextOp.STARTS_WITH)) {
          return t;
        }
      }
      return null;
    }
  }

  /**
   * The values of one request the guards look at, exactly as the CEL variables carry them:
   * {@code tool.server} and {@code tool.name} are {@code ""} when the target is not a tool;
   * {@code args} is {@code params.arguments} when that is an object and an empty map otherwise.
   */
  static final class Request {
    final String method;
    final String server;
    final String name;
    final String agent;
    final List<String> roles;
    private final ObjectNode args;
    private final PolicyInput in;

    Request(PolicyInput in) {
      this.in = in;
      boolean tool = in.target().kind() == Target.Kind.TOOL;
      this.method = in.method();
      this.server = tool ? in.target().server() : "";
      this.name = tool ? in.target().upstreamName() : "";
      this.agent = in.principal().agentId();
      this.roles = in.principal().roles();
      this.args = in.params().get("arguments") instanceof ObjectNode o ? o : null;
    }

    String field(String field) {
      return switch (field) {
        case "method" -> method;
        case "tool.server" -> server;
        case "tool.name" -> name;
        default -> agent; // "agent.id"
      };
    }

    List<String> roles() {
      return roles;
    }

    List<String> labels() {
      return in.session().labels();
    }

    long callCount() {
      return in.session().callCount();
    }

    /** The argument's JSON value, or null when {@code args} has no such key. */
    JsonNode arg(String key) {
      return args == null ? null : args.get(key);
    }

    int argCount() {
      return args == null ? 0 : args.size();
    }

    ObjectNode args() {
      return args;
    }

    /**
     * {@code tool.annotations.<hint>} when it is a boolean: the server's value, else MCP's default for
     * the four standard hints; null when CEL would see something else (not a tool, a missing key, a
     * value of another type).
     */
    Boolean hint(String hint) {
      if (in.target().kind() != Target.Kind.TOOL) {
        return null; // tool.annotations is an empty map
      }
      ObjectNode definition = in.target().definition();
      JsonNode annotations = definition == null ? null : definition.get("annotations");
      JsonNode value = annotations != null && annotations.isObject() ? annotations.get(hint) : null;
      if (value != null) {
        return value.isBoolean() ? value.booleanValue() : null;
      }
      return Activations.hintDefault(hint);
    }
  }

  private static final int[] NONE = new int[0];

  /** The rules keyed by one argument a rule requires ({@code has(args.x)}). */
  private record ArgBucket(int[] all, int[] present, Map<String, int[]> equals, Map<String, int[]> prefixes, int[] prefixLengths) {
    void collect(JsonNode value, Candidates out) {
      if (!value.isString()) {
        out.add(all); // CEL decides: a string test on another type fails or compares unequal
        return;
      }
      String s = value.asString();
      out.add(present);
      if (!equals.isEmpty()) {
        out.add(equals.getOrDefault(s, NONE));
      }
      for (int length : prefixLengths) {
        if (length > s.length()) {
          break;
        }
        out.add(prefixes.getOrDefault(s.substring(0, length), NONE));
      }
    }
  }

  private final List<CompiledPolicy.CompiledRule> rules;
  private final Map<String, int[]> byName;
  private final Map<String, int[]> byMethod;
  private final Map<String, int[]> byAgent;
  private final Map<String, int[]> byRole;
  private final Map<String, ArgBucket> byArg;
  private final String[] argNames;
  private final ArgBucket[] argBuckets;
  private final int[] catchAll;
  private final int[] everyRule;

  RuleIndex(List<CompiledPolicy.CompiledRule> rules) {
    this.rules = List.copyOf(rules);
    Map<String, List<Integer>> names = new HashMap<>();
    Map<String, List<Integer>> methods = new HashMap<>();
    Map<String, List<Integer>> agents = new HashMap<>();
    Map<String, List<Integer>> roles = new HashMap<>();
    Map<String, List<Integer>> argAll = new HashMap<>();
    Map<String, List<Integer>> argPresent = new HashMap<>();
    Map<String, Map<String, List<Integer>>> argEquals = new HashMap<>();
    Map<String, Map<String, List<Integer>>> argPrefixes = new HashMap<>();
    List<Integer> rest = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      Guard g = rules.get(i).guard();
      Conjunct.ArgText argKey = g.argKey();
      String arg = g.requiredArg();
      if (g.names() != null) {
        for (String n : g.names()) {
          names.computeIfAbsent(n, k -> new ArrayList<>()).add(i);
        }
      } else if (g.methods() != null) {
        for (String m : g.methods()) {
          methods.computeIfAbsent(m, k -> new ArrayList<>()).add(i);
        }
      } else if (argKey != null) {
        argAll.computeIfAbsent(arg, k -> new ArrayList<>()).add(i);
        Map<String, Map<String, List<Integer>>> byValue = argKey.op() == Conjunct.TextOp.EQUALS ? argEquals : argPrefixes;
        byValue.computeIfAbsent(arg, k -> new HashMap<>()).computeIfAbsent(argKey.literal(), k -> new ArrayList<>()).add(i);
      } else if (g.agents() != null) {
        for (String a : g.agents()) {
          agents.computeIfAbsent(a, k -> new ArrayList<>()).add(i);
        }
      } else if (!g.roles().isEmpty()) {
        roles.computeIfAbsent(g.roles().iterator().next(), k -> new ArrayList<>()).add(i);
      } else if (arg != null) {
        argAll.computeIfAbsent(arg, k -> new ArrayList<>()).add(i);
        argPresent.computeIfAbsent(arg, k -> new ArrayList<>()).add(i);
      } else {
        rest.add(i);
      }
    }
    this.byName = freeze(names);
    this.byMethod = freeze(methods);
    this.byAgent = freeze(agents);
    this.byRole = freeze(roles);
    Map<String, ArgBucket> args = new HashMap<>();
    for (String arg : argAll.keySet()) {
      Map<String, int[]> prefixes = freeze(argPrefixes.getOrDefault(arg, Map.of()));
      int[] lengths = new TreeSet<>(prefixes.keySet().stream().map(String::length).toList()).stream().mapToInt(Integer::intValue).toArray();
      args.put(arg, new ArgBucket(ints(argAll.get(arg)), ints(argPresent.getOrDefault(arg, List.of())),
          freeze(argEquals.getOrDefault(arg, Map.of())), prefixes, lengths));
    }
    this.byArg = Map.copyOf(args);
    this.argNames = byArg.keySet().toArray(String[]::new);
    this.argBuckets = Arrays.stream(argNames).map(byArg::get).toArray(ArgBucket[]::new);
    this.catchAll = ints(rest);
    this.everyRule = java.util.stream.IntStream.range(0, rules.size()).toArray();
  }

  /** Every rule, in configuration order (evaluating without the index). */
  Candidates everyRule() {
    Candidates out = new Candidates();
    out.add(everyRule);
    return out;
  }

  /** How many rules sit in the catch-all bucket (their guard is checked for every request). */
  int catchAllSize() {
    return catchAll.length;
  }

  CompiledPolicy.CompiledRule rule(int i) {
    return rules.get(i);
  }

  int size() {
    return rules.size();
  }

  /**
   * The rules this request's values select, in configuration order, each once: a superset of the
   * rules whose guard is not FALSE; the caller checks each guard.
   */
  Candidates candidates(Request r) {
    int[] a = byName.getOrDefault(r.name, NONE);
    int[] b = byMethod.getOrDefault(r.method, NONE);
    int[] c = byAgent.getOrDefault(r.agent, NONE);
    Candidates out = new Candidates();
    out.add(a);
    out.add(b);
    out.add(c);
    out.add(catchAll);
    if (!byRole.isEmpty()) {
      for (int i = 0; i < r.roles.size(); i++) {
        out.add(byRole.getOrDefault(r.roles.get(i), NONE));
      }
    }
    if (argNames.length > 0 && r.argCount() > 0) {
      if (argNames.length <= r.argCount()) {
        for (int i = 0; i < argNames.length; i++) {
          JsonNode value = r.arg(argNames[i]);
          if (value != null) {
            argBuckets[i].collect(value, out);
          }
        }
      } else {
        for (Map.Entry<String, JsonNode> e : r.args().properties()) {
          ArgBucket bucket = byArg.get(e.getKey());
          if (bucket != null) {
            bucket.collect(e.getValue(), out);
          }
        }
      }
    }
    return out;
  }

  /**
   * The buckets selected for one request, walked in configuration order (a merge of sorted buckets,
   * nothing copied). Every rule sits in exactly one bucket, so the walk meets no rule twice once the
   * same bucket is not added twice (a role listed twice). One instance serves one decision.
   */
  static final class Candidates {
    private int[][] sources = new int[4][];
    private int[] next = new int[4];
    private int count;

    void add(int[] bucket) {
      if (bucket.length == 0) {
        return;
      }
      for (int i = 0; i < count; i++) {
        if (sources[i] == bucket) {
          return;
        }
      }
      if (count == sources.length) {
        sources = Arrays.copyOf(sources, count * 2);
        next = Arrays.copyOf(next, count * 2);
      }
      sources[count++] = bucket;
    }

    /** The position of the next candidate in configuration order, or -1 when there are no more. */
    int next() {
      int best = -1;
      int bestValue = Integer.MAX_VALUE;
      for (int s = 0; s < count; s++) {
        int[] source = sources[s];
        if (next[s] < source.length && source[next[s]] < bestValue) {
          best = s;
          bestValue = source[next[s]];
        }
      }
      if (best < 0) {
        return -1;
      }
      next[best]++;
      return bestValue;
    }

    /** The remaining candidates (for tests and explain). */
    int[] toArray() {
      int[] out = new int[0];
      for (int i = next(); i >= 0; i = next()) {
        out = Arrays.copyOf(out, out.length + 1);
        out[out.length - 1] = i;
      }
      return out;
    }
  }

  private static int[] ints(List<Integer> list) {
    return list.stream().mapToInt(Integer::intValue).toArray();
  }

  private static Map<String, int[]> freeze(Map<String, List<Integer>> m) {
    Map<String, int[]> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, ints(v)));
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
    List<Conjunct> checks = new ArrayList<>();
    boolean exact = true;
    boolean complete = true;
    for (CelExpr c : conjuncts) {
      if (isTrue(c)) {
        continue;
      }
      Conjunct conjunct = Conjunct.of(c);
      switch (conjunct) {
        case null -> {
          exact = false;
          complete = false;
        }
        case Conjunct.HasRole(String role) -> {
          roles.add(role);
          exact = false; // lint's "exact" means: literals on method/server/name only
        }
        case Conjunct.FieldIs(String field, Set<String> values) -> {
          switch (field) {
            case "method" -> methods = intersect(methods, values);
            case "tool.server" -> servers = intersect(servers, values);
            case "tool.name" -> names = intersect(names, values);
            default -> { // "agent.id"
              agents = intersect(agents, values);
              exact = false;
            }
          }
        }
        default -> {
          checks.add(conjunct);
          exact = false;
        }
      }
    }
    return new Guard(methods, servers, names, exact, agents, Set.copyOf(roles), complete, List.copyOf(checks));
  }

  private static boolean isTrue(CelExpr e) {
    return e.getKind() == CelExpr.ExprKind.Kind.CONSTANT && e.constant().getKind() == CelConstant.Kind.BOOLEAN_VALUE
        && e.constant().booleanValue();
  }

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
}
