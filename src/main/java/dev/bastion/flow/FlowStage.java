package dev.bastion.flow;

import dev.bastion.config.FlowConfig;
import dev.bastion.config.FlowConfig.RuleMode;
import dev.bastion.config.FlowConfig.Sink;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import dev.bastion.pipeline.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code flow} stage: information-flow control. For every tools/call, resources/read and
 * prompts/get it finds the exchange's flow session, labels the target, checks the call's arguments
 * against what the session has read (the built-in {@link FlowRules}), and — once the upstream has
 * answered — adds the output's labels and fingerprints to the session. The session's labels are
 * what {@code session.labels} shows to policy and what the audit record carries.
 *
 * <p>It strips {@code bastion/flowSession} from {@code params._meta} before anything is forwarded,
 * and returns the session key in the result's {@code _meta} when the agent used one.
 */
public final class FlowStage implements Stage {
  private static final int MAX_LEAVES = 2048;
  private static final int MAX_OUTPUT_TEXTS = 512;

  private final FlowConfig config;
  private final FlowSessions sessions;
  private final LabelResolver labels;
  private final FlowRules rules;
  private final Map<String, FlowState> current = new ConcurrentHashMap<>();
  /** Tokens found in untrusted tools' definitions → the tool (exposed name) and its server. */
  private volatile Map<String, Described> described = Map.of();

  private record Described(String server, String exposedName) {}

  /** Tokens kept from all tool definitions together. */
  static final int MAX_DEFINITION_TOKENS = 8192;

  public FlowStage(FlowConfig config, FlowSessions sessions) {
    this.config = config;
    this.sessions = sessions;
    this.labels = new LabelResolver(config);
    this.rules = new FlowRules(config);
    warmUp();
  }

  /** Loads the normaliser's tables and compiles the patterns now, at config load, not on the first request. */
  private static void warmUp() {
    FlowState s = new FlowState();
    s.observe("warm-up", "0", new FlowLabel(FlowLabel.PRIVATE, FlowConfig.Integrity.UNTRUSTED, Sink.NONE, List.of(), false),
        List.of("Warm-up text with https://a.example/x, a@b.example and DE44 5001 0517 5407 3249 31."), Set.of());
    s.inspect(Map.of("q", List.of("d2FybS11cCB0ZXh0IHdpdGggaHR0cHM6Ly9h", "77617a6d2d7570")), List.of("q"), true);
  }

  @Override
  public String name() {
    return "flow";
  }

  /**
   * Takes note of the tool definitions every session can read (server → definitions, quarantined
   * ones included): the recipients, URLs and identifiers in the definitions of tools whose output
   * is untrusted count as untrusted content, so a key argument whose value only such a definition
   * names — a BCC address planted in another server's description (SH-01) — is refused like one
   * planted in an output. Only tokens with an {@code @}, a {@code ://} or a digit are kept (not bare
   * domain names, which descriptions name innocently), and only for calls to another server's tools.
   */
  public void definitions(Map<String, List<ObjectNode>> toolsByServer) {
    Map<String, Described> out = new java.util.HashMap<>();
    ObjectNode noParams = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, List<ObjectNode>> e : toolsByServer.entrySet()) {
      for (ObjectNode definition : e.getValue()) {
        String name = definition.path("name").asString("");
        String exposed = e.getKey() + "__" + name;
        FlowLabel label = labels.resolve(new Target(Target.Kind.TOOL, e.getKey(), exposed, name, definition), noParams);
        if (label.integrity() != FlowConfig.Integrity.UNTRUSTED) {
          continue;
        }
        List<String> texts = new ArrayList<>();
        collect(definition, texts);
        for (String text : texts) {
          for (String t : Fingerprints.tokens(text)) {
            if (out.size() < MAX_DEFINITION_TOKENS && (t.contains("@") || t.contains("://") || t.chars().anyMatch(Character::isDigit))) {
              out.putIfAbsent(t, new Described(e.getKey(), exposed));
            }
          }
        }
      }
    }
    described = Map.copyOf(out);
  }

  /** Key arguments whose value only an untrusted tool definition of another server names. */
  private FlowState.Inspection withDefinitions(FlowState.Inspection found, Map<String, List<String>> args, List<String> keys, String server, FlowState state) {
    Map<String, Described> d = described;
    if (d.isEmpty() || !found.untrustedKeys().isEmpty()) {
      return found;
    }
    for (String k : keys) {
      for (String value : args.getOrDefault(k, List.of())) {
        Set<String> forms = Fingerprints.keyForms(value);
        for (String form : forms) {
          Described where = d.get(form);
          if (where != null && !where.server().equals(server) && !state.trusts(form)) {
            return new FlowState.Inspection(found.carried(),
                List.of(new FlowState.UntrustedKey(k, value, FlowState.Origin.definition(where.exposedName()))), found.taintedBytes());
          }
        }
      }
    }
    return found;
  }

  /** The labels of the flow session of an exchange in flight (for {@code session.labels}); empty otherwise. */
  public List<String> labelsOf(Exchange exchange) {
    FlowState s = current.get(exchange.id());
    return s == null ? List.of() : s.labels();
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    if (!config.enabled() || exchange.isNotification() || !applies(exchange.method()) || exchange.target().kind() == Target.Kind.GATEWAY) {
      return chain.proceed(exchange);
    }
    ObjectNode params = exchange.params();
    String key = params.path("_meta").path(FlowSessions.META_KEY).asString(null);
    FlowSessions.Resolved resolved = sessions.resolve(exchange.principal().agentId(), exchange.sessionId(), key);
    FlowState state = resolved.state();
    Exchange forwarded = key == null && !params.path("_meta").has(FlowSessions.META_KEY) ? exchange : withoutKey(exchange);
    current.put(exchange.id(), state);
    try {
      Outcome outcome = run(forwarded, chain, state);
      exchange.log().labels(state.labels());
      return withKey(outcome, resolved.keyToReturn());
    } finally {
      current.remove(exchange.id());
    }
  }

  private Outcome run(Exchange exchange, Chain chain, FlowState state) {
    Target target = exchange.target();
    ObjectNode params = exchange.params();
    FlowLabel label = labels.resolve(target, params);
    long egress = 0;
    boolean external = false;
    if (exchange.method().equals("tools/call")) {
      JsonNode argsNode = params.get("arguments");
      Map<String, List<String>> args = arguments(argsNode);
      Set<String> hosts = destinations(args, label.keyArguments());
      external = label.sink() == Sink.EXTERNAL && !(hosts.size() > 0 && hosts.stream().allMatch(this::internal));
      String sink = (external ? "an external sink" : "an internal sink") + (hosts.isEmpty() ? "" : " (" + String.join(", ", hosts) + ")");
      List<String> keys = label.keyArguments();
      if (LabelResolver.destructive(target)) {
        keys = new ArrayList<>(keys);
        for (String a : args.keySet()) {
          if (!keys.contains(a)) {
            keys.add(a);
          }
        }
      }
      FlowState.Inspection found = withDefinitions(state.inspect(args, keys, external), args, keys, target.server(), state);
      for (FlowRules.Violation v : rules.evaluate(target.exposedName(), label, external, sink, state, found)) {
        if (v.mode() == RuleMode.SHADOW) {
          exchange.log().shadow("shadow rule " + v.ruleId() + " would deny: " + v.message());
          continue;
        }
        exchange.log().decision(v.code() == ReasonCode.APPROVAL_REQUIRED
            ? new Decision.Ask(List.of(v.ruleId()), v.message())
            : new Decision.Deny(v.code(), List.of(v.ruleId()), v.message()));
        exchange.log().note("flow: " + v.message());
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        data.set("flow", v.flow());
        return new Outcome.Failure(Fault.of(v.code(), v.message(), List.of(v.ruleId())).withData(data));
      }
      egress = external ? found.taintedBytes() : 0;
      if (label.sink() != Sink.EXTERNAL) {
        List<String> values = new ArrayList<>();
        args.values().forEach(values::addAll);
        sessions.taintStore(target.server(), state.untrustedTokensIn(values));
      }
    }
    Outcome outcome = chain.proceed(exchange);
    if (outcome instanceof Outcome.Success s && s.result() != null) {
      List<String> texts = new ArrayList<>();
      // provenance is what the source produced: when the firewall redacted the result, the original
      // is fingerprinted too, so a secret the agent obtains anyway (another channel, a shadowed
      // detector, a partial redaction) is still recognised when it leaves
      JsonNode original = exchange.log().originalResult();
      collect(original != null ? original : s.result(), texts);
      state.observe(target.exposedName(), exchange.id(), label, texts, sessions.taintedTokens(target.server()));
      if (egress > 0) {
        state.countEgress(egress);
      }
    }
    return outcome;
  }

  private static boolean applies(String method) {
    return method.equals("tools/call") || method.equals("resources/read") || method.equals("prompts/get");
  }

  private boolean internal(String host) {
    for (String d : config.internalDomains()) {
      if (host.equals(d) || host.endsWith("." + d)) {
        return true;
      }
    }
    return false;
  }

  private static Set<String> destinations(Map<String, List<String>> args, List<String> keyArguments) {
    Set<String> hosts = new java.util.LinkedHashSet<>();
    for (String k : keyArguments) {
      for (String v : args.getOrDefault(k, List.of())) {
        String h = Fingerprints.host(Fingerprints.normaliseToken(v));
        if (h != null) {
          hosts.add(h);
        }
      }
    }
    return hosts;
  }

  /** Top-level argument name to every string (and number) under it. */
  static Map<String, List<String>> arguments(JsonNode args) {
    if (args == null || !args.isObject()) {
      return new LinkedHashMap<>();
    }
    int[] budget = {MAX_LEAVES};
    if (args.size() == 1) {
      // the common call with one argument: an immutable one-entry map (nothing writes to it)
      Map.Entry<String, JsonNode> only = args.properties().iterator().next();
      List<String> leaves = new ArrayList<>(4);
      leaves(only.getValue(), leaves, budget);
      return Map.of(only.getKey(), leaves);
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : args.properties()) {
      List<String> leaves = new ArrayList<>();
      leaves(e.getValue(), leaves, budget);
      out.put(e.getKey(), leaves);
    }
    return out;
  }

  private static void leaves(JsonNode n, List<String> out, int[] budget) {
    if (budget[0] <= 0) {
      return;
    }
    if (n.isString() || n.isNumber()) {
      budget[0]--;
      out.add(n.asString());
    } else if (n.isContainer()) {
      for (JsonNode c : n.isObject() ? n.values() : n) {
        leaves(c, out, budget);
      }
    }
  }

  /** Every text in a result: content text, embedded resource text, structured content and its field values. */
  private static void collect(JsonNode n, List<String> out) {
    if (out.size() >= MAX_OUTPUT_TEXTS) {
      return;
    }
    if (n.isString()) {
      String s = n.asString();
      if (s.length() >= 6) {
        out.add(s);
      }
    } else if (n.isNumber()) {
      out.add(n.asString());
    } else if (n.isObject()) {
      for (Map.Entry<String, JsonNode> e : n.properties()) {
        if (!e.getKey().equals("_meta")) {
          collect(e.getValue(), out);
        }
      }
    } else if (n.isArray()) {
      for (JsonNode c : n) {
        collect(c, out);
      }
    }
  }

  private static Exchange withoutKey(Exchange exchange) {
    JsonRpcMessage.Request r = (JsonRpcMessage.Request) exchange.message();
    ObjectNode params = r.params().deepCopy();
    ObjectNode meta = (ObjectNode) params.get("_meta");
    meta.remove(FlowSessions.META_KEY);
    if (meta.isEmpty()) {
      params.remove("_meta");
    }
    return exchange.withMessage(new JsonRpcMessage.Request(r.id(), r.method(), params));
  }

  private static Outcome withKey(Outcome outcome, String key) {
    if (key == null) {
      return outcome;
    }
    return switch (outcome) {
      case Outcome.Success s when s.result() instanceof ObjectNode o -> {
        ObjectNode copy = o.deepCopy();
        ObjectNode meta = copy.get("_meta") instanceof ObjectNode m ? m : copy.putObject("_meta");
        meta.put(FlowSessions.META_KEY, key);
        yield new Outcome.Success(copy);
      }
      case Outcome.Failure f -> {
        ObjectNode data = f.fault().data() instanceof ObjectNode d ? d.deepCopy() : JsonNodeFactory.instance.objectNode();
        data.put(FlowSessions.META_KEY, key);
        yield new Outcome.Failure(f.fault().withData(data));
      }
      default -> outcome;
    };
  }
}
