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

/**
 * Binds a composed YAML node tree into {@link BastionConfig}, by hand, collecting every problem.
 *
 * <p>Each {@code bind*} method returns the bound value, or null after recording why it could not;
 * absent optional values get their defaults. The records are built only when no error was found, so
 * a rejected file never yields a partly-built config.
 */
final class Binder extends ValueBinder {

  Binder(Path baseDir, Function<String, String> env, Errors errors) {
    super(baseDir, env, errors);
  }

  static final List<String> ROOT_KEYS =
      List.of("listen", "admin", "data_dir", "public_url", "security", "limits", "upstreams", "agents", "policy", "audit", "telemetry", "integrity", "identity", "rate_limits", "flow", "firewall");
  static final List<String> SECURITY_KEYS = List.of("allowed_origins", "allowed_hosts");
  static final List<String> LIMITS_KEYS = List.of(
      "max_body_bytes", "max_json_depth", "max_string_length", "max_response_bytes", "call_timeout", "max_sessions", "session_idle_timeout");
  static final List<String> UPSTREAM_KEYS = List.of("command", "env", "cwd", "url", "headers", "builtin", "root", "timeout");
  static final List<String> AGENT_KEYS = List.of("keys", "roles", "anonymous");
  static final List<String> POLICY_KEYS = List.of("default", "rules");
  static final List<String> RULE_KEYS = List.of("id", "effect", "when", "mode", "description");
  static final List<String> AUDIT_KEYS = List.of("store", "durability", "batch_window", "checkpoint_interval", "fail_open");

  // ---------------------------------------------------------------- sections

  /** The bound config, or null when errors were recorded. */
  BastionConfig bind(Optional<Node> root) {
    Fields f = Fields.EMPTY;
    if (root.isPresent() && !isNull(root.get())) {
      f = fields(root.get(), "", ROOT_KEYS, "the top level of the file to be a mapping of keys such as listen, upstreams, agents, policy");
      if (f == null) {
        return null;
      }
    }
    HostPort listen = hostPort(f, "listen", new HostPort("127.0.0.1", 8080));
    HostPort admin = hostPort(f, "admin", new HostPort("127.0.0.1", 9090));
    // compared field by field: a record's generated equals spins method-handle classes on first use,
    // which the start-up's AOT cache does not hold (its training run listens on port 0 and skips this)
    if (listen != null && admin != null && listen.port() != 0 && listen.port() == admin.port() && listen.host().equals(admin.host())) {
      errors.add(f.path("admin"), f.value("admin"), "admin must differ from listen (both are " + listen + "); the admin API needs its own address");
    }
    Path dataDir = path(f, "data_dir", baseDir.resolve("data").normalize());
    String publicUrl = f.has("public_url") ? httpUrl(f.value("public_url"), f.path("public_url")) : null;
    SecurityConfig security = security(f);
    LimitsConfig limits = limits(f);
    Map<String, UpstreamConfig> upstreams = upstreams(f, limits, dataDir);
    Map<String, AgentConfig> agents = agents(f);
    PolicyConfig policy = policy(f);
    AuditConfig audit = audit(f, dataDir);
    TelemetryConfig telemetry = new TelemetryBinding(baseDir, env, errors).telemetry(f);
    IntegrityConfig integrity = new IntegrityBinding(baseDir, env, errors).integrity(f);
    IdentityConfig identity = new IdentityBinding(baseDir, env, errors).identity(f);
    RateLimitsConfig rateLimits = new RateLimitsBinding(baseDir, env, errors).rateLimits(f, agents);
    FirewallConfig firewall = new FirewallBinding(baseDir, env, errors).firewall(f);
    FlowConfig flow = new FlowBinding(baseDir, env, errors).flow(f, f.sub("upstreams") == null ? Set.of() : f.sub("upstreams").keys());
    if (!errors.isEmpty() || listen == null || admin == null || dataDir == null || security == null || limits == null
        || policy == null || audit == null || telemetry == null || integrity == null || identity == null || rateLimits == null
        || flow == null || firewall == null) {
      return null; // the loader reports an internal error if nothing explains the null
    }
    return new BastionConfig(
        listen, admin, dataDir, publicUrl, security, limits, upstreams, agents, policy, audit, telemetry, integrity, identity, rateLimits,
        flow, firewall);
  }

  private SecurityConfig security(Fields root) {
    Fields f = section(root, "security", SECURITY_KEYS);
    if (f == null) {
      return null;
    }
    List<String> origins = stringList(f, "allowed_origins", (text, p, n) -> origin(text, p, n));
    List<String> hosts = stringList(f, "allowed_hosts", (text, p, n) -> hostHeader(text, p, n));
    return origins == null || hosts == null ? null : new SecurityConfig(origins, hosts);
  }

  private LimitsConfig limits(Fields root) {
    Fields f = section(root, "limits", LIMITS_KEYS);
    if (f == null) {
      return null;
    }
    LimitsConfig d = LimitsConfig.DEFAULT;
    Integer maxBody = integer(f, "max_body_bytes", d.maxBodyBytes(), 1, Integer.MAX_VALUE);
    Integer maxDepth = integer(f, "max_json_depth", d.maxJsonDepth(), 1, 10_000);
    Integer maxString = integer(f, "max_string_length", d.maxStringLength(), 1, Integer.MAX_VALUE);
    Integer maxResponse = integer(f, "max_response_bytes", d.maxResponseBytes(), 1, Integer.MAX_VALUE);
    Duration callTimeout = duration(f, "call_timeout", d.callTimeout());
    Integer maxSessions = integer(f, "max_sessions", d.maxSessions(), 1, Integer.MAX_VALUE);
    Duration idle = duration(f, "session_idle_timeout", d.sessionIdleTimeout());
    if (maxBody == null || maxDepth == null || maxString == null || maxResponse == null || callTimeout == null
        || maxSessions == null || idle == null) {
      return null;
    }
    return new LimitsConfig(maxBody, maxDepth, maxString, maxResponse, callTimeout, maxSessions, idle);
  }

  private Map<String, UpstreamConfig> upstreams(Fields root, LimitsConfig limits, Path dataDir) {
    Map<String, UpstreamConfig> out = new LinkedHashMap<>();
    Map<String, Entry> entries = namedEntries(root, "upstreams", "a mapping from upstream name to its settings");
    for (Entry e : entries.values()) {
      if (!UPSTREAM_NAME.matcher(e.key()).matches()) {
        errors.add(e.path(), e.keyNode(), "upstream name " + quote(e.key())
            + " is not valid; expected 1-32 characters of lowercase letters, digits, _ or -, starting with a letter"
            + " (it becomes the prefix of the upstream's tool names)");
      }
      UpstreamConfig u = upstream(e, limits, dataDir);
      if (u != null) {
        out.put(e.key(), u);
      }
    }
    return out;
  }

  private UpstreamConfig upstream(Entry e, LimitsConfig limits, Path dataDir) {
    String p = e.path();
    if (isNull(e.value())) {
      errors.add(p, e.keyNode(), "upstream " + quote(e.key()) + " has no settings; expected a mapping with one of command, url or builtin");
      return null;
    }
    Fields f = fields(e.value(), p, UPSTREAM_KEYS, "an upstream (a mapping with one of command, url or builtin)");
    if (f == null) {
      return null;
    }
    List<String> transports = new ArrayList<>();
    for (String k : List.of("command", "url", "builtin")) {
      if (f.has(k)) {
        transports.add(k);
      }
    }
    if (transports.size() != 1) {
      String found = transports.isEmpty() ? "none of them" : String.join(" and ", transports);
      errors.add(p, e.keyNode(), "an upstream needs exactly one of command (a stdio server), url (an HTTP server) or builtin"
          + " (a server bundled with Bastion); found " + found);
      return null;
    }
    String kind = transports.getFirst();
    Map<String, List<String>> owners = Map.of(
        "command", List.of("command", "env", "cwd"), "url", List.of("url", "headers"), "builtin", List.of("builtin", "root"));
    for (String k : f.keys()) {
      if (k.equals("timeout") || owners.get(kind).contains(k)) {
        continue;
      }
      String owner = owners.entrySet().stream().filter(o -> o.getValue().contains(k)).map(Map.Entry::getKey).findFirst().orElse("?");
      errors.add(f.path(k), f.keyNode(k), k + " applies only to " + owner + " upstreams, but this one is a " + kind
          + " upstream; remove it");
    }
    Duration timeout = duration(f, "timeout", limits == null ? LimitsConfig.DEFAULT.callTimeout() : limits.callTimeout());
    return switch (kind) {
      case "command" -> {
        List<String> command = command(f);
        Map<String, Secret> envMap = secrets(f, "env", ENV_NAME,
            "an environment variable name (letters, digits, _; not starting with a digit)");
        Path cwd = path(f, "cwd", baseDir);
        yield command == null || envMap == null || cwd == null || timeout == null
            ? null : new UpstreamConfig.Stdio(e.key(), command, envMap, cwd, timeout);
      }
      case "url" -> {
        String url = httpUrl(f.value("url"), f.path("url"));
        Map<String, Secret> headers = secrets(f, "headers", HEADER_NAME, "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)");
        if (headers != null) {
          for (String h : headers.keySet()) {
            if (FORBIDDEN_HEADERS.contains(h.toLowerCase(Locale.ROOT))) {
              Fields hf = f.sub("headers");
              errors.add(hf == null ? f.path("headers") : hf.path(h), hf == null ? null : hf.keyNode(h),
                  "header " + h + " is managed by the HTTP client and cannot be set; remove it");
            }
          }
        }
        yield url == null || headers == null || timeout == null ? null : new UpstreamConfig.Http(e.key(), URI.create(url), headers, timeout);
      }
      case "builtin" -> {
        Text name = text(f.value("builtin"), f.path("builtin"), "a builtin server name");
        String builtin = null;
        if (name != null) {
          if (BUILTINS.contains(name.value())) {
            builtin = name.value();
          } else {
            errors.add(f.path("builtin"), f.value("builtin"), "unknown builtin " + show(name) + "; the builtins are: "
                + String.join(", ", BUILTINS.stream().sorted().toList()));
          }
        }
        Path root = path(f, "root", dataDir == null ? null : dataDir.resolve(e.key()));
        yield builtin == null || root == null || timeout == null ? null : new UpstreamConfig.Builtin(e.key(), builtin, root, timeout);
      }
      default -> throw new IllegalStateException(kind);
    };
  }

  private List<String> command(Fields f) {
    Node node = f.value("command");
    String p = f.path("command");
    if (!(node instanceof SequenceNode seq)) {
      errors.add(p, node, "expected the command as a list, like [npx, -y, \"@modelcontextprotocol/server-everything\"]; got " + kind(node));
      return null;
    }
    if (seq.getValue().isEmpty()) {
      errors.add(p, node, "the command is empty; expected the program followed by its arguments");
      return null;
    }
    List<String> out = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < seq.getValue().size(); i++) {
      Node item = seq.getValue().get(i);
      Text t = text(item, index(p, i), "a command argument");
      if (t == null) {
        ok = false;
      } else if (i == 0 && t.value().isBlank()) {
        errors.add(index(p, i), item, "the program name is empty; expected a program such as npx or /usr/bin/node");
        ok = false;
      } else {
        out.add(t.value());
      }
    }
    return ok ? out : null;
  }

  private Map<String, AgentConfig> agents(Fields root) {
    Map<String, AgentConfig> out = new LinkedHashMap<>();
    Map<String, Entry> entries = namedEntries(root, "agents", "a mapping from agent id to its keys and roles");
    Map<String, String> digestOwner = new HashMap<>();
    for (Entry e : entries.values()) {
      if (!AGENT_ID.matcher(e.key()).matches()) {
        errors.add(e.path(), e.keyNode(), "agent id " + quote(e.key())
            + " is not valid; expected 1-64 characters of lowercase letters, digits, _ or -, starting with a letter");
      }
      Fields f = isNull(e.value()) ? Fields.empty(e.path()) : fields(e.value(), e.path(), AGENT_KEYS, "an agent (a mapping with keys and roles)");
      if (f == null) {
        continue;
      }
      List<byte[]> digests = new ArrayList<>();
      boolean ok = true;
      SequenceNode keys = sequence(f, "keys");
      if (keys == null && f.has("keys") && !isNull(f.value("keys"))) {
        ok = false;
      } else if (keys != null) {
        for (int i = 0; i < keys.getValue().size(); i++) {
          Node item = keys.getValue().get(i);
          String ip = index(f.path("keys"), i);
          Text t = text(item, ip, "a key digest");
          if (t == null) {
            ok = false;
            continue;
          }
          Matcher m = DIGEST.matcher(t.value());
          if (!m.matches()) {
            // never echo the value: an operator may have pasted the key itself
            errors.add(ip, item, "expected a key digest: sha256: followed by 64 hex digits (the SHA-256 of the API key, e.g."
                + " printf %s \"$KEY\" | sha256sum); the value is not shown in case it is the key itself");
            ok = false;
            continue;
          }
          String hex = m.group(1).toLowerCase(Locale.ROOT);
          String previous = digestOwner.putIfAbsent(hex, e.key());
          if (previous != null) {
            errors.add(ip, item, "this key digest is already listed for agent " + previous + "; each key must identify exactly one agent");
            ok = false;
            continue;
          }
          digests.add(HexFormat.of().parseHex(hex));
        }
      }
      List<String> roles = stringList(f, "roles", (t, p, n) -> {
        if (!ROLE.matcher(t.value()).matches()) {
          errors.add(p, n, "role " + show(t) + " is not valid; expected 1-64 characters of letters, digits, _ . : or -, starting with a letter or digit");
          return null;
        }
        return t.value();
      });
      Boolean anonymous = bool(f, "anonymous", false);
      if (Boolean.TRUE.equals(anonymous)) {
        String other = out.values().stream().filter(AgentConfig::anonymous).map(AgentConfig::id).findFirst().orElse(null);
        if (other != null) {
          errors.add(f.path("anonymous"), f.value("anonymous"), "agent " + other + " is already the anonymous agent; at most one agent may be anonymous");
          ok = false;
        }
      }
      if (ok && roles != null && anonymous != null) {
        out.put(e.key(), new AgentConfig(e.key(), digests, roles, anonymous));
      }
    }
    return out;
  }

  private PolicyConfig policy(Fields root) {
    Fields f = section(root, "policy", POLICY_KEYS);
    if (f == null) {
      return null;
    }
    PolicyConfig.Effect defaultEffect = f.has("default")
        ? choice(f.value("default"), f.path("default"), PolicyConfig.Effect.class, "allow", "deny", "ask")
        : PolicyConfig.Effect.DENY;
    List<PolicyConfig.Rule> rules = new ArrayList<>();
    SequenceNode seq = sequence(f, "rules");
    boolean ok = defaultEffect != null && (seq != null || !f.has("rules") || isNull(f.value("rules")));
    Map<String, Integer> idLines = new HashMap<>();
    if (seq != null) {
      for (int i = 0; i < seq.getValue().size(); i++) {
        Node item = seq.getValue().get(i);
        String rp = index(f.path("rules"), i);
        Fields rf = fields(item, rp, RULE_KEYS, "a rule (a mapping with id, effect and optionally when, mode, description)");
        if (rf == null) {
          ok = false;
          continue;
        }
        int line = item.getStartMark().map(m -> m.getLine() + 1).orElse(0);
        String id = null;
        if (!rf.has("id")) {
          errors.add(rp, item, "missing required key id; every rule needs a unique id (used in audit records and decisions)");
        } else {
          Text t = text(rf.value("id"), rf.path("id"), "a rule id");
          if (t != null && !RULE_ID.matcher(t.value()).matches()) {
            errors.add(rf.path("id"), rf.value("id"), "rule id " + show(t)
                + " is not valid; expected 1-64 characters of letters, digits, _ . or -, starting with a letter or digit");
          } else if (t != null) {
            Integer first = idLines.putIfAbsent(t.value(), line);
            if (first != null) {
              errors.add(rf.path("id"), rf.value("id"), "duplicate rule id " + t.value() + " (first used by the rule at line " + first
                  + "); rule ids must be unique");
            } else {
              id = t.value();
            }
          }
        }
        PolicyConfig.Effect effect = null;
        if (!rf.has("effect")) {
          errors.add(rp, item, "missing required key effect; expected allow, deny or ask");
        } else {
          effect = choice(rf.value("effect"), rf.path("effect"), PolicyConfig.Effect.class, "allow", "deny", "ask");
        }
        String when = "true";
        if (rf.has("when")) {
          Text t = text(rf.value("when"), rf.path("when"), "a CEL expression");
          when = t == null ? null : t.value();
          if (when != null && when.isBlank()) {
            errors.add(rf.path("when"), rf.value("when"), "the condition is empty; expected a CEL expression, or leave when out to match every call");
            when = null;
          }
        }
        PolicyConfig.Mode mode = rf.has("mode")
            ? choice(rf.value("mode"), rf.path("mode"), PolicyConfig.Mode.class, "enforce", "shadow")
            : PolicyConfig.Mode.ENFORCE;
        String description = "";
        if (rf.has("description")) {
          Text t = text(rf.value("description"), rf.path("description"), "a description");
          description = t == null ? null : t.value();
        }
        if (id == null || effect == null || when == null || mode == null || description == null) {
          ok = false;
        } else {
          rules.add(new PolicyConfig.Rule(id, effect, when, mode, description, line));
        }
      }
    }
    return ok ? new PolicyConfig(defaultEffect, rules) : null;
  }

  private AuditConfig audit(Fields root, Path dataDir) {
    Fields f = section(root, "audit", AUDIT_KEYS);
    if (f == null) {
      return null;
    }
    String store = dataDir == null ? null : "sqlite:" + dataDir.resolve("audit.db");
    if (f.has("store")) {
      Text t = text(f.value("store"), f.path("store"), "an audit store");
      store = null;
      if (t != null) {
        if (t.value().startsWith("sqlite:") && t.value().length() > "sqlite:".length()) {
          Path p = resolvePath(t.value().substring("sqlite:".length()), f.path("store"), f.value("store"));
          store = p == null ? null : "sqlite:" + p;
        } else {
          errors.add(f.path("store"), f.value("store"), "unsupported audit store " + show(t) + "; expected sqlite:PATH, e.g. sqlite:./data/audit.db");
        }
      }
    }
    AuditConfig.Durability durability = f.has("durability")
        ? choice(f.value("durability"), f.path("durability"), AuditConfig.Durability.class, "sync", "batch")
        : AuditConfig.Durability.SYNC;
    Duration batchWindow = duration(f, "batch_window", Duration.ofMillis(5));
    Duration checkpoint = duration(f, "checkpoint_interval", Duration.ofMinutes(1));
    Boolean failOpen = bool(f, "fail_open", false);
    if (store == null || durability == null || batchWindow == null || checkpoint == null || failOpen == null) {
      return null;
    }
    return new AuditConfig(store, durability, batchWindow, checkpoint, failOpen);
  }

}
