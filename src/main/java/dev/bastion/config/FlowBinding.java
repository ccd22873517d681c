package dev.bastion.config;

import dev.bastion.config.Interpolation.Text;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/** The {@code flow:} section: information-flow labels and the built-in flow rules. */
final class FlowBinding extends ValueBinder {
  static final List<String> FLOW_KEYS =
      List.of("enabled", "labels", "internal_domains", "rules", "egress_budget_bytes", "max_sessions", "session_idle_timeout");
  static final List<String> FLOW_SERVER_KEYS = List.of("confidentiality", "integrity", "sink", "key_arguments", "tools", "resources");
  static final List<String> FLOW_LABEL_KEYS = List.of("confidentiality", "integrity", "sink", "key_arguments");
  static final List<String> FLOW_RULE_KEYS = List.of("exfiltration", "untrusted_key_argument", "egress_budget");
  static final Pattern CONFIDENTIALITY = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  static final Pattern DOMAIN = Pattern.compile("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  FlowBinding(Path baseDir, Function<String, String> env, Errors errors) {
    super(baseDir, env, errors);
  }

  FlowConfig flow(Fields root, Set<String> upstreamNames) {
    Fields f = section(root, "flow", FLOW_KEYS);
    if (f == null) {
      return null;
    }
    FlowConfig d = FlowConfig.DEFAULT;
    Boolean enabled = bool(f, "enabled", d.enabled());
    Map<String, FlowConfig.ServerLabels> servers = new LinkedHashMap<>();
    boolean ok = true;
    for (Entry e : namedEntries(f, "labels", "a mapping from upstream name to its labels").values()) {
      if (!upstreamNames.contains(e.key())) {
        String hint = Suggest.closest(e.key(), List.copyOf(upstreamNames)).map(s -> "did you mean " + s + "? ").orElse("");
        errors.add(e.path(), e.keyNode(), "labels for unknown upstream " + quote(e.key()) + "; " + hint
            + (upstreamNames.isEmpty() ? "no upstreams are configured" : "the upstreams are: " + String.join(", ", upstreamNames)));
        ok = false;
        continue;
      }
      Fields sf = isNull(e.value()) ? Fields.empty(e.path()) : fields(e.value(), e.path(), FLOW_SERVER_KEYS,
          "the labels of one upstream (confidentiality, integrity, sink, key_arguments, tools, resources)");
      if (sf == null) {
        ok = false;
        continue;
      }
      FlowConfig.LabelSpec server = labelSpec(sf);
      Map<String, FlowConfig.LabelSpec> tools = labelMap(sf, "tools");
      Map<String, FlowConfig.LabelSpec> resources = labelMap(sf, "resources");
      if (server == null || tools == null || resources == null) {
        ok = false;
      } else {
        servers.put(e.key(), new FlowConfig.ServerLabels(server, tools, resources));
      }
    }
    List<String> domains = stringList(f, "internal_domains", (t, p, n) -> {
      String v = t.value().toLowerCase(Locale.ROOT);
      if (!DOMAIN.matcher(v).matches()) {
        errors.add(p, n, "expected a domain name such as example.com (its subdomains are included); got " + show(t));
        return null;
      }
      return v;
    });
    Fields rf = section(f, "rules", FLOW_RULE_KEYS);
    FlowConfig.Rules rules = null;
    if (rf != null) {
      FlowConfig.RuleMode ex = ruleMode(rf, "exfiltration", false);
      FlowConfig.RuleMode key = ruleMode(rf, "untrusted_key_argument", true);
      FlowConfig.RuleMode budget = ruleMode(rf, "egress_budget", false);
      rules = ex == null || key == null || budget == null ? null : new FlowConfig.Rules(ex, key, budget);
    }
    Integer budgetBytes = integer(f, "egress_budget_bytes", (int) d.egressBudgetBytes(), 1, Integer.MAX_VALUE);
    Integer maxSessions = integer(f, "max_sessions", d.maxSessions(), 1, 10_000_000);
    Duration idle = duration(f, "session_idle_timeout", d.sessionIdleTimeout());
    if (!ok || enabled == null || domains == null || rules == null || budgetBytes == null || maxSessions == null || idle == null) {
      return null;
    }
    return new FlowConfig(enabled, servers, domains, rules, budgetBytes, maxSessions, idle);
  }

  private FlowConfig.RuleMode ruleMode(Fields f, String key, boolean askAllowed) {
    if (!f.has(key)) {
      return FlowConfig.RuleMode.ENFORCE;
    }
    return askAllowed
        ? choice(f.value(key), f.path(key), FlowConfig.RuleMode.class, "enforce", "ask", "shadow", "off")
        : choice(f.value(key), f.path(key), FlowConfig.RuleMode.class, "enforce", "shadow", "off");
  }

  private Map<String, FlowConfig.LabelSpec> labelMap(Fields parent, String key) {
    Map<String, FlowConfig.LabelSpec> out = new LinkedHashMap<>();
    boolean ok = true;
    for (Entry e : namedEntries(parent, key, "a mapping from " + (key.equals("tools") ? "tool name" : "resource URI prefix") + " to labels").values()) {
      Fields lf = isNull(e.value()) ? Fields.empty(e.path()) : fields(e.value(), e.path(), FLOW_LABEL_KEYS,
          "labels (confidentiality, integrity, sink, key_arguments)");
      FlowConfig.LabelSpec spec = lf == null ? null : labelSpec(lf);
      if (spec == null) {
        ok = false;
      } else {
        out.put(e.key(), spec);
      }
    }
    return ok ? out : null;
  }

  private FlowConfig.LabelSpec labelSpec(Fields f) {
    boolean ok = true;
    String confidentiality = null;
    if (f.has("confidentiality")) {
      Text t = text(f.value("confidentiality"), f.path("confidentiality"), "public, internal, private or a custom label name");
      if (t == null) {
        ok = false;
      } else if (!CONFIDENTIALITY.matcher(t.value()).matches()) {
        errors.add(f.path("confidentiality"), f.value("confidentiality"), "expected public, internal, private or a custom label name"
            + " (1-32 lowercase letters, digits, _ or -, starting with a letter); got " + show(t));
        ok = false;
      } else {
        confidentiality = t.value();
      }
    }
    FlowConfig.Integrity integrity = null;
    if (f.has("integrity")) {
      integrity = choice(f.value("integrity"), f.path("integrity"), FlowConfig.Integrity.class, "trusted", "untrusted");
      ok &= integrity != null;
    }
    FlowConfig.Sink sink = null;
    if (f.has("sink")) {
      sink = choice(f.value("sink"), f.path("sink"), FlowConfig.Sink.class, "none", "internal", "external");
      ok &= sink != null;
    }
    List<String> keyArguments = null;
    if (f.has("key_arguments")) {
      keyArguments = stringList(f, "key_arguments", (t, p, n) -> t.value());
      ok &= keyArguments != null;
    }
    return ok ? new FlowConfig.LabelSpec(confidentiality, integrity, sink, keyArguments) : null;
  }
}
