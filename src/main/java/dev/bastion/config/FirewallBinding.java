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

/** The {@code firewall:} section: detector actions, argument rules and response limits. */
final class FirewallBinding extends ValueBinder {
  static final List<String> FIREWALL_KEYS = List.of(
      "enabled", "actions", "link_hosts", "validate_schema", "max_result_chars", "max_line_chars", "on_oversize", "tools", "elicitation_url_hosts");
  static final List<String> FIREWALL_ACTION_KEYS = List.of("request", "response");
  static final List<String> FIREWALL_ARGUMENT_KEYS = List.of("type", "roots", "allow_hosts");
  static final Pattern DETECTOR_ID = Pattern.compile("[a-z][a-z0-9_]{0,63}");

  FirewallBinding(Path baseDir, Function<String, String> env, Errors errors) {
    super(baseDir, env, errors);
  }

  FirewallConfig firewall(Fields root) {
    Fields f = section(root, "firewall", FIREWALL_KEYS);
    if (f == null) {
      return null;
    }
    FirewallConfig d = FirewallConfig.DEFAULT;
    Boolean enabled = bool(f, "enabled", d.enabled());
    Map<String, FirewallConfig.Actions> actions = new LinkedHashMap<>(FirewallConfig.DEFAULT_ACTIONS);
    boolean ok = true;
    for (Entry e : namedEntries(f, "actions", "a mapping from a category (secret, pii, injection, obfuscation, argument) or detector id to {request, response}").values()) {
      if (!DETECTOR_ID.matcher(e.key()).matches()) {
        errors.add(e.path(), e.keyNode(), "expected a category (secret, pii, injection, obfuscation, argument) or a detector id such as aws_access_key; got " + quote(e.key()));
        ok = false;
        continue;
      }
      Fields a = fields(e.value(), e.path(), FIREWALL_ACTION_KEYS, "a mapping with request and/or response, each block, redact or record");
      if (a == null) {
        ok = false;
        continue;
      }
      FirewallConfig.Actions base = actions.getOrDefault(e.key(), new FirewallConfig.Actions(null, null));
      FirewallConfig.Action req = a.has("request") ? choice(a.value("request"), a.path("request"), FirewallConfig.Action.class, "block", "redact", "record") : base.request();
      FirewallConfig.Action resp = a.has("response") ? choice(a.value("response"), a.path("response"), FirewallConfig.Action.class, "block", "redact", "record") : base.response();
      if (a.has("request") && req == null || a.has("response") && resp == null) {
        ok = false;
        continue;
      }
      actions.put(e.key(), new FirewallConfig.Actions(req, resp));
    }
    List<String> linkHosts = stringList(f, "link_hosts", (t, p, n) -> hostPattern(t, p, n));
    List<String> elicitationUrlHosts = stringList(f, "elicitation_url_hosts", (t, p, n) -> hostPattern(t, p, n));
    Boolean validate = bool(f, "validate_schema", d.validateSchema());
    Integer maxResult = integer(f, "max_result_chars", d.maxResultChars(), 1024, Integer.MAX_VALUE);
    Integer maxLine = integer(f, "max_line_chars", d.maxLineChars(), 80, Integer.MAX_VALUE);
    FirewallConfig.Oversize oversize = f.has("on_oversize")
        ? choice(f.value("on_oversize"), f.path("on_oversize"), FirewallConfig.Oversize.class, "truncate", "block")
        : d.onOversize();
    Map<String, Map<String, FirewallConfig.ArgumentRule>> tools = new LinkedHashMap<>();
    for (Entry tool : namedEntries(f, "tools", "a mapping from a tool's exposed name (server__tool) to its argument rules").values()) {
      Fields args = fields(tool.value(), tool.path(), null, "a mapping from argument name to {type, roots, allow_hosts}");
      if (args == null) {
        ok = false;
        continue;
      }
      Map<String, FirewallConfig.ArgumentRule> rules = new LinkedHashMap<>();
      for (String arg : args.keys()) {
        String ap = args.path(arg);
        Fields r = fields(args.value(arg), ap, FIREWALL_ARGUMENT_KEYS, "an argument rule: {type: path|url|plain|email, roots, allow_hosts}");
        if (r == null) {
          ok = false;
          continue;
        }
        if (!r.has("type")) {
          errors.add(ap, args.value(arg), "missing required key type; expected path, url, plain or email");
          ok = false;
          continue;
        }
        FirewallConfig.ArgumentRule.Kind kind = choice(r.value("type"), r.path("type"), FirewallConfig.ArgumentRule.Kind.class, "path", "url", "plain", "email");
        List<String> rootTexts = stringList(r, "roots", (t, p, n) -> t.value().isBlank() ? null : t.value());
        List<String> hosts = stringList(r, "allow_hosts", (t, p, n) -> hostPattern(t, p, n));
        if (kind == null || rootTexts == null || hosts == null) {
          ok = false;
          continue;
        }
        if (kind == FirewallConfig.ArgumentRule.Kind.PATH && rootTexts.isEmpty()) {
          errors.add(ap, args.value(arg), "a path argument needs roots: the directories it must stay inside");
          ok = false;
          continue;
        }
        if (kind == FirewallConfig.ArgumentRule.Kind.EMAIL && hosts.isEmpty()) {
          errors.add(ap, args.value(arg), "an email argument needs allow_hosts: the domains its recipients may be at");
          ok = false;
          continue;
        }
        boolean hostKind = kind == FirewallConfig.ArgumentRule.Kind.URL || kind == FirewallConfig.ArgumentRule.Kind.EMAIL;
        if (kind != FirewallConfig.ArgumentRule.Kind.PATH && !rootTexts.isEmpty() || !hostKind && !hosts.isEmpty()) {
          errors.add(ap, args.value(arg), "roots apply only to type path, allow_hosts only to types url and email");
          ok = false;
          continue;
        }
        List<Path> roots = new ArrayList<>();
        for (int i = 0; i < rootTexts.size(); i++) {
          Path rp = resolvePath(rootTexts.get(i), index(r.path("roots"), i), r.value("roots"));
          if (rp == null) {
            ok = false;
          } else {
            roots.add(rp);
          }
        }
        rules.put(arg, new FirewallConfig.ArgumentRule(kind, roots, hosts));
      }
      tools.put(tool.key(), rules);
    }
    if (!ok || enabled == null || linkHosts == null || elicitationUrlHosts == null || validate == null || maxResult == null || maxLine == null || oversize == null) {
      return null;
    }
    return new FirewallConfig(enabled, actions, linkHosts, validate, maxResult, maxLine, oversize, tools, elicitationUrlHosts);
  }
}
