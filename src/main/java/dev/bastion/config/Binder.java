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
final class Binder {
  static final Pattern UPSTREAM_NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  static final Pattern AGENT_ID = Pattern.compile("[a-z][a-z0-9_-]{0,63}");
  static final Pattern ROLE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
  static final Pattern RULE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
  static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");
  static final Pattern DIGEST = Pattern.compile("sha256:([0-9a-fA-F]{64})");
  static final Set<String> BUILTINS = Set.of("demo");
  static final Set<String> FORBIDDEN_HEADERS = Set.of("host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer");

  static final List<String> ROOT_KEYS =
      List.of("listen", "admin", "data_dir", "public_url", "security", "limits", "upstreams", "agents", "policy", "audit", "telemetry", "integrity", "identity", "rate_limits", "flow", "firewall");
  static final List<String> SECURITY_KEYS = List.of("allowed_origins", "allowed_hosts");
  static final List<String> LIMITS_KEYS = List.of(
      "max_body_bytes", "max_json_depth", "max_string_length", "max_response_bytes", "call_timeout", "max_sessions", "session_idle_timeout");
  static final List<String> UPSTREAM_KEYS = List.of("command", "env", "cwd", "url", "headers", "builtin", "root", "timeout");
  static final List<String> AGENT_KEYS = List.of("keys", "roles", "anonymous");
  static final List<String> POLICY_KEYS = List.of("default", "rules");
  static final List<String> RULE_KEYS = List.of("id", "effect", "when", "mode", "description");
  static final List<String> IDENTITY_KEYS = List.of("jwt", "authorization_servers");
  static final List<String> JWT_KEYS =
      List.of("issuer", "jwks", "jwks_file", "roles_claim", "agent_claim", "clock_skew", "jwks_max_age", "jwks_min_refresh");
  static final List<String> QUOTA_KEYS = List.of(
      "calls_per_minute", "tool_calls_per_minute", "session_calls_per_minute", "concurrent_calls", "session_total_calls",
      "loop_repeats", "loop_window");
  static final List<String> RATE_LIMITS_KEYS = concat(QUOTA_KEYS, List.of("agents", "tools"));
  static final Pattern CLAIM_NAME = Pattern.compile("[A-Za-z0-9_:.-]{1,64}");
  static final List<String> FLOW_KEYS =
      List.of("enabled", "labels", "internal_domains", "rules", "egress_budget_bytes", "max_sessions", "session_idle_timeout");
  static final List<String> FLOW_SERVER_KEYS = List.of("confidentiality", "integrity", "sink", "key_arguments", "tools", "resources");
  static final List<String> FLOW_LABEL_KEYS = List.of("confidentiality", "integrity", "sink", "key_arguments");
  static final List<String> FLOW_RULE_KEYS = List.of("exfiltration", "untrusted_key_argument", "egress_budget");
  static final Pattern CONFIDENTIALITY = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  static final Pattern DOMAIN = Pattern.compile("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  static final List<String> FIREWALL_KEYS = List.of(
      "enabled", "actions", "link_hosts", "validate_schema", "max_result_chars", "max_line_chars", "on_oversize", "tools");
  static final List<String> FIREWALL_ACTION_KEYS = List.of("request", "response");
  static final List<String> FIREWALL_ARGUMENT_KEYS = List.of("type", "roots", "allow_hosts");
  static final Pattern DETECTOR_ID = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  static final List<String> AUDIT_KEYS = List.of("store", "durability", "batch_window", "checkpoint_interval", "fail_open");
  static final List<String> INTEGRITY_KEYS = List.of("mode", "manifest", "on_change");

  static final List<String> TELEMETRY_KEYS = List.of("service_name", "traces", "metrics", "logs");
  static final List<String> TRACES_KEYS = List.of("otlp");
  static final List<String> METRICS_KEYS = List.of("prometheus", "otlp", "interval");
  static final List<String> LOGS_KEYS = List.of("format");
  static final List<String> OTLP_KEYS = List.of("endpoint", "protocol", "headers");

  private static final Tag ENV_TAG = Tag.ENV_TAG;

  private final Path baseDir;
  private final Function<String, String> env;
  private final Errors errors;

  Binder(Path baseDir, Function<String, String> env, Errors errors) {
    this.baseDir = baseDir;
    this.env = env;
    this.errors = errors;
  }

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
    if (listen != null && admin != null && listen.port() != 0 && listen.equals(admin)) {
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
    TelemetryConfig telemetry = telemetry(f);
    IntegrityConfig integrity = integrity(f);
    IdentityConfig identity = identity(f);
    RateLimitsConfig rateLimits = rateLimits(f, agents);
    FirewallConfig firewall = firewall(f);
    FlowConfig flow = flow(f, f.sub("upstreams") == null ? Set.of() : f.sub("upstreams").keys());
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

  private Map<String, Secret> secrets(Fields f, String key, Pattern namePattern, String nameDescription) {
    Map<String, Secret> out = new LinkedHashMap<>();
    boolean ok = true;
    for (Entry e : namedEntries(f, key, "a mapping from name to value").values()) {
      if (!namePattern.matcher(e.key()).matches()) {
        errors.add(e.path(), e.keyNode(), quote(e.key()) + " is not valid here; expected " + nameDescription);
        ok = false;
        continue;
      }
      Text t = text(e.value(), e.path(), "a text value (write \"\" for an empty value)");
      if (t == null) {
        ok = false;
      } else {
        out.put(e.key(), Secret.of(t.value(), t.fromReference()));
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

  private IdentityConfig identity(Fields root) {
    Fields f = section(root, "identity", IDENTITY_KEYS);
    if (f == null) {
      return null;
    }
    IdentityConfig.Jwt jwt = null;
    boolean ok = true;
    if (f.has("jwt") && !isNull(f.value("jwt"))) {
      jwt = jwt(f);
      ok = jwt != null;
    }
    List<String> servers = stringList(f, "authorization_servers", (t, p, n) -> httpUrl(n, p));
    if (!ok || servers == null) {
      return null;
    }
    if (servers.isEmpty() && jwt != null) {
      servers = List.of(jwt.issuer());
    }
    return new IdentityConfig(jwt, servers);
  }

  private IdentityConfig.Jwt jwt(Fields parent) {
    Fields f = section(parent, "jwt", JWT_KEYS);
    if (f == null) {
      return null;
    }
    String issuer = null;
    if (!f.has("issuer")) {
      errors.add(parent.path("jwt"), parent.value("jwt"), "missing required key issuer; expected the authorization server's issuer URL (the iss claim)");
    } else {
      Text t = text(f.value("issuer"), f.path("issuer"), "the issuer (the iss claim)");
      issuer = t == null || t.value().isBlank() ? null : t.value();
      if (t != null && t.value().isBlank()) {
        errors.add(f.path("issuer"), f.value("issuer"), "the issuer is empty; expected the iss value tokens carry");
      }
    }
    String url = null;
    Path file = null;
    boolean keysOk = true;
    if (f.has("jwks") == f.has("jwks_file")) {
      errors.add(parent.path("jwt"), parent.value("jwt"), "expected exactly one of jwks (an https URL) and jwks_file (a local JWKS file)");
      keysOk = false;
    } else if (f.has("jwks")) {
      url = httpUrl(f.value("jwks"), f.path("jwks"));
      if (url != null && !jwksUrlAllowed(url)) {
        errors.add(f.path("jwks"), f.value("jwks"), "a JWKS URL must use https (plain http only for a loopback host)");
        url = null;
      }
      keysOk = url != null;
    } else {
      file = path(f, "jwks_file", null);
      keysOk = file != null;
    }
    String roles = claimName(f, "roles_claim", "roles");
    String agent = claimName(f, "agent_claim", "client_id");
    Duration skew = duration(f, "clock_skew", Duration.ofSeconds(30));
    if (skew != null && skew.compareTo(Duration.ofMinutes(5)) > 0) {
      errors.add(f.path("clock_skew"), f.value("clock_skew"), "clock skew must be at most 5m");
      skew = null;
    }
    Duration maxAge = duration(f, "jwks_max_age", Duration.ofMinutes(10));
    Duration minRefresh = duration(f, "jwks_min_refresh", Duration.ofSeconds(30));
    if (issuer == null || !keysOk || roles == null || agent == null || skew == null || maxAge == null || minRefresh == null) {
      return null;
    }
    return new IdentityConfig.Jwt(issuer, url, file, roles, agent, skew, maxAge, minRefresh);
  }

  private static boolean jwksUrlAllowed(String url) {
    URI uri = URI.create(url);
    String host = uri.getHost() == null ? "" : uri.getHost();
    return "https".equalsIgnoreCase(uri.getScheme())
        || host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1");
  }

  private String claimName(Fields f, String key, String fallback) {
    if (!f.has(key)) {
      return fallback;
    }
    Text t = text(f.value(key), f.path(key), "a claim name");
    if (t == null) {
      return null;
    }
    if (!CLAIM_NAME.matcher(t.value()).matches()) {
      errors.add(f.path(key), f.value(key), "expected a claim name (1-64 letters, digits, _ : . -); got " + show(t));
      return null;
    }
    return t.value();
  }

  private RateLimitsConfig rateLimits(Fields root, Map<String, AgentConfig> agents) {
    Fields f = section(root, "rate_limits", RATE_LIMITS_KEYS);
    if (f == null) {
      return null;
    }
    RateLimitsConfig.Quota bound = quota(f, RateLimitsConfig.Quota.UNLIMITED);
    boolean ok = bound != null;
    RateLimitsConfig.Quota defaults = ok ? bound : RateLimitsConfig.Quota.UNLIMITED; // keep checking the rest
    Map<String, RateLimitsConfig.Quota> overrides = new LinkedHashMap<>();
    for (Entry e : namedEntries(f, "agents", "a mapping from agent id to its limits").values()) {
      if (!agents.containsKey(e.key())) {
        String hint = Suggest.closest(e.key(), List.copyOf(agents.keySet())).map(s -> "did you mean " + s + "? ").orElse("");
        errors.add(e.path(), e.keyNode(), "no agent " + quote(e.key()) + " is configured; " + hint + "limits can only be set for agents under agents:");
        ok = false;
        continue;
      }
      Fields af = isNull(e.value()) ? Fields.empty(e.path()) : fields(e.value(), e.path(), QUOTA_KEYS, "the agent's limits (a mapping with " + String.join(", ", QUOTA_KEYS) + ")");
      RateLimitsConfig.Quota q = af == null ? null : quota(af, defaults);
      if (q == null) {
        ok = false;
      } else {
        overrides.put(e.key(), q);
      }
    }
    Map<String, Integer> tools = new LinkedHashMap<>();
    for (Entry e : namedEntries(f, "tools", "a mapping from exposed tool name (server__tool) to calls per minute").values()) {
      Fields holder = new Fields(f.path("tools"), Map.of(e.key(), e));
      Integer n = integer(holder, e.key(), 0, 0, 1_000_000);
      if (n == null) {
        ok = false;
      } else {
        tools.put(e.key(), n);
      }
    }
    return ok ? new RateLimitsConfig(defaults, overrides, tools) : null;
  }

  private RateLimitsConfig.Quota quota(Fields f, RateLimitsConfig.Quota base) {
    int max = 1_000_000;
    Integer perMinute = integer(f, "calls_per_minute", base.callsPerMinute(), 0, max);
    Integer toolPerMinute = integer(f, "tool_calls_per_minute", base.toolCallsPerMinute(), 0, max);
    Integer sessionPerMinute = integer(f, "session_calls_per_minute", base.sessionCallsPerMinute(), 0, max);
    Integer concurrent = integer(f, "concurrent_calls", base.concurrentCalls(), 0, 100_000);
    Integer sessionTotal = integer(f, "session_total_calls", base.sessionTotalCalls(), 0, Integer.MAX_VALUE);
    Integer loopRepeats = integer(f, "loop_repeats", base.loopRepeats(), 0, 10_000);
    if (loopRepeats != null && loopRepeats == 1) {
      errors.add(f.path("loop_repeats"), f.value("loop_repeats"), "loop_repeats 1 would refuse every call; expected 0 (off) or at least 2");
      loopRepeats = null;
    }
    Duration loopWindow = duration(f, "loop_window", base.loopWindow());
    if (loopWindow != null && loopWindow.compareTo(Duration.ofHours(24)) > 0) {
      errors.add(f.path("loop_window"), f.value("loop_window"), "loop_window must be at most 24h");
      loopWindow = null;
    }
    if (perMinute == null || toolPerMinute == null || sessionPerMinute == null || concurrent == null || sessionTotal == null
        || loopRepeats == null || loopWindow == null) {
      return null;
    }
    return new RateLimitsConfig.Quota(perMinute, toolPerMinute, sessionPerMinute, concurrent, sessionTotal, loopRepeats, loopWindow);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return List.copyOf(out);
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

  private TelemetryConfig telemetry(Fields root) {
    Fields f = section(root, "telemetry", TELEMETRY_KEYS);
    if (f == null) {
      return null;
    }
    TelemetryConfig d = TelemetryConfig.DEFAULT;
    String serviceName = d.serviceName();
    if (f.has("service_name")) {
      Text t = text(f.value("service_name"), f.path("service_name"), "a service name");
      serviceName = null;
      if (t != null) {
        if (t.value().matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
          serviceName = t.value();
        } else {
          errors.add(f.path("service_name"), f.value("service_name"),
              "expected a service name of letters, digits, '_', '.' and '-' (at most 64); got " + show(t));
        }
      }
    }
    Fields traces = section(f, "traces", TRACES_KEYS);
    TelemetryConfig.Otlp traceExport = traces == null ? null : otlp(traces, "/v1/traces");
    Fields metrics = section(f, "metrics", METRICS_KEYS);
    Boolean prometheus = metrics == null ? null : bool(metrics, "prometheus", d.prometheus());
    TelemetryConfig.Otlp metricExport = metrics == null ? null : otlp(metrics, "/v1/metrics");
    Duration interval = metrics == null ? null : duration(metrics, "interval", d.metricsInterval());
    Fields logs = section(f, "logs", LOGS_KEYS);
    TelemetryConfig.LogFormat format = logs == null ? null
        : logs.has("format") ? choice(logs.value("format"), logs.path("format"), TelemetryConfig.LogFormat.class, "json", "text")
        : d.logFormat();
    boolean tracesBad = traces == null || (traces.has("otlp") && traceExport == null);
    boolean metricsBad = metrics == null || (metrics.has("otlp") && metricExport == null);
    if (serviceName == null || tracesBad || metricsBad || prometheus == null || interval == null || format == null) {
      return null;
    }
    return new TelemetryConfig(serviceName, traceExport, prometheus, metricExport, interval, format);
  }

  /** An optional {@code otlp:} block; null when absent (or recorded when invalid). */
  private TelemetryConfig.Otlp otlp(Fields parent, String signalPath) {
    if (!parent.has("otlp") || isNull(parent.value("otlp"))) {
      return null;
    }
    Fields f = fields(parent.value("otlp"), parent.path("otlp"), OTLP_KEYS, "a mapping with keys " + String.join(", ", OTLP_KEYS));
    if (f == null) {
      return null;
    }
    if (!f.has("endpoint")) {
      errors.add(parent.path("otlp"), parent.value("otlp"),
          "missing required key endpoint; expected the collector's OTLP/HTTP URL, e.g. http://127.0.0.1:4318");
      return null;
    }
    String url = httpUrl(f.value("endpoint"), f.path("endpoint"));
    boolean ok = url != null;
    if (f.has("protocol")) {
      Text t = text(f.value("protocol"), f.path("protocol"), "http/protobuf");
      if (t == null) {
        ok = false;
      } else if (!t.value().equals("http/protobuf")) {
        String hint = t.value().equals("grpc")
            ? "grpc is not offered (it would ship an okhttp or gRPC stack); collectors accept http/protobuf on port 4318"
            : "expected http/protobuf";
        errors.add(f.path("protocol"), f.value("protocol"), hint + "; got " + show(t));
        ok = false;
      }
    }
    Map<String, Secret> headers = secrets(f, "headers", HEADER_NAME, "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)");
    if (!ok || headers == null) {
      return null;
    }
    URI endpoint = URI.create(url);
    if (endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() || endpoint.getRawPath().equals("/")) {
      endpoint = endpoint.resolve(signalPath);
    }
    return new TelemetryConfig.Otlp(endpoint, headers);
  }

  private IntegrityConfig integrity(Fields root) {
    Fields f = section(root, "integrity", INTEGRITY_KEYS);
    if (f == null) {
      return null;
    }
    IntegrityConfig.Mode mode = f.has("mode")
        ? choice(f.value("mode"), f.path("mode"), IntegrityConfig.Mode.class, "tofu", "manifest")
        : IntegrityConfig.Mode.TOFU;
    Path manifest = path(f, "manifest", null);
    IntegrityConfig.OnChange onChange = f.has("on_change")
        ? choice(f.value("on_change"), f.path("on_change"), IntegrityConfig.OnChange.class, "quarantine", "warn")
        : IntegrityConfig.OnChange.QUARANTINE;
    if (mode == null || onChange == null || (f.has("manifest") && manifest == null)) {
      return null;
    }
    if (mode == IntegrityConfig.Mode.MANIFEST && manifest == null) {
      errors.add(f.path("mode"), f.value("mode"), "mode manifest needs integrity.manifest, the file of pre-approved tool definitions (e.g. manifest: ./tools.pins.json)");
      return null;
    }
    return new IntegrityConfig(mode, manifest, onChange);
  }

  private FlowConfig flow(Fields root, Set<String> upstreamNames) {
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

  private FirewallConfig firewall(Fields root) {
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
        Fields r = fields(args.value(arg), ap, FIREWALL_ARGUMENT_KEYS, "an argument rule: {type: path|url|plain, roots, allow_hosts}");
        if (r == null) {
          ok = false;
          continue;
        }
        if (!r.has("type")) {
          errors.add(ap, args.value(arg), "missing required key type; expected path, url or plain");
          ok = false;
          continue;
        }
        FirewallConfig.ArgumentRule.Kind kind = choice(r.value("type"), r.path("type"), FirewallConfig.ArgumentRule.Kind.class, "path", "url", "plain");
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
        if (kind != FirewallConfig.ArgumentRule.Kind.PATH && !rootTexts.isEmpty() || kind != FirewallConfig.ArgumentRule.Kind.URL && !hosts.isEmpty()) {
          errors.add(ap, args.value(arg), "roots apply only to type path, allow_hosts only to type url");
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
    if (!ok || enabled == null || linkHosts == null || validate == null || maxResult == null || maxLine == null || oversize == null) {
      return null;
    }
    return new FirewallConfig(enabled, actions, linkHosts, validate, maxResult, maxLine, oversize, tools);
  }

  /** A host name or {@code *.domain} pattern, lower-cased. */
  private String hostPattern(Text t, String path, Node node) {
    String v = t.value().toLowerCase(Locale.ROOT);
    if (!v.matches("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
      errors.add(path, node, "expected a host name such as docs.example.com or *.example.com; got " + show(t));
      return null;
    }
    return v;
  }

  // ---------------------------------------------------------------- values

  private HostPort hostPort(Fields f, String key, HostPort fallback) {
    if (!f.has(key)) {
      return fallback;
    }
    Node node = f.value(key);
    Text t = text(node, f.path(key), "an address like 127.0.0.1:8080");
    if (t == null) {
      return null;
    }
    HostPort hp = HostPort.parse(t.value());
    if (hp == null || hp.host().isBlank() || !hp.host().matches("[A-Za-z0-9.:_%-]+")) {
      errors.add(f.path(key), node, "expected host:port such as 127.0.0.1:8080 or [::1]:8080 with a port from 0 to 65535; got " + show(t));
      return null;
    }
    return hp;
  }

  private String httpUrl(Node node, String path) {
    Text t = text(node, path, "an http or https URL");
    if (t == null) {
      return null;
    }
    String problem = null;
    try {
      URI uri = new URI(t.value());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        problem = "expected an http:// or https:// URL";
      } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
        problem = "expected a URL with a host, like http://127.0.0.1:3001/mcp";
      } else if (uri.getRawUserInfo() != null) {
        problem = "credentials in the URL are not allowed; put them in headers";
      } else if (uri.getRawFragment() != null) {
        problem = "a URL here cannot have a #fragment";
      }
    } catch (URISyntaxException ex) {
      problem = "expected an http or https URL, but it is not a valid URL (" + ex.getReason() + ")";
    }
    if (problem != null) {
      errors.add(path, node, problem + "; got " + show(t));
      return null;
    }
    return t.value();
  }

  private String origin(Text t, String path, Node node) {
    try {
      URI uri = new URI(t.value());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
          && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
          && uri.getRawUserInfo() == null && uri.getRawFragment() == null) {
        return t.value();
      }
    } catch (URISyntaxException ignored) {
      // reported below
    }
    errors.add(path, node, "expected an origin such as https://console.example.com or http://localhost:3000 (scheme, host,"
        + " optional port; no path); got " + show(t));
    return null;
  }

  private String hostHeader(Text t, String path, Node node) {
    if (t.value().matches("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")) {
      return t.value();
    }
    errors.add(path, node, "expected a host or host:port such as localhost or bastion.internal:8080; got " + show(t));
    return null;
  }

  private Path path(Fields f, String key, Path fallback) {
    if (!f.has(key)) {
      return fallback;
    }
    Text t = text(f.value(key), f.path(key), "a path");
    return t == null ? null : resolvePath(t.value(), f.path(key), f.value(key));
  }

  private Path resolvePath(String text, String path, Node node) {
    if (text.isBlank()) {
      errors.add(path, node, "the path is empty; expected a file system path (relative paths resolve against the config file's directory)");
      return null;
    }
    try {
      return baseDir.resolve(text).normalize();
    } catch (InvalidPathException ex) {
      errors.add(path, node, "not a valid file system path (" + ex.getReason() + ")");
      return null;
    }
  }

  private Duration duration(Fields f, String key, Duration fallback) {
    if (!f.has(key)) {
      return fallback;
    }
    Node node = f.value(key);
    String p = f.path(key);
    String expected = "expected a duration: a whole number followed by ms, s, m or h, like 500ms, 30s, 5m, 1h";
    if (kindOf(node) == Kind.INT || kindOf(node) == Kind.FLOAT) {
      errors.add(p, node, expected + "; got the number " + ((ScalarNode) node).getValue() + " without a unit");
      return null;
    }
    Text t = text(node, p, "a duration like 30s");
    if (t == null) {
      return null;
    }
    Matcher m = DURATION.matcher(t.value());
    if (!m.matches()) {
      errors.add(p, node, expected + "; got " + show(t));
      return null;
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> throw new IllegalStateException(m.group(2));
    };
    if (d.isZero()) {
      errors.add(p, node, "the duration must be greater than zero");
      return null;
    }
    return d;
  }

  private Integer integer(Fields f, String key, int fallback, int min, int max) {
    if (!f.has(key)) {
      return fallback;
    }
    Node node = f.value(key);
    String p = f.path(key);
    String text;
    String shown;
    Kind k = kindOf(node);
    if (k == Kind.INT) {
      text = ((ScalarNode) node).getValue();
      shown = text;
    } else if (k == Kind.TEXT && ((ScalarNode) node).getValue().contains("${")) {
      Text t = text(node, p, "a whole number");
      if (t == null) {
        return null;
      }
      text = t.value();
      shown = show(t);
    } else {
      errors.add(p, node, "expected a whole number from " + min + " to " + max + "; got " + kind(node));
      return null;
    }
    String digits = text.startsWith("+") ? text.substring(1) : text;
    if (!digits.matches("-?[0-9]{1,19}")) {
      errors.add(p, node, "expected a whole number in decimal from " + min + " to " + max + "; got " + shown);
      return null;
    }
    long v;
    try {
      v = Long.parseLong(digits);
    } catch (NumberFormatException ex) {
      v = digits.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    if (v < min || v > max) {
      errors.add(p, node, "expected a whole number from " + min + " to " + max + "; got " + shown);
      return null;
    }
    return (int) v;
  }

  private Boolean bool(Fields f, String key, boolean fallback) {
    if (!f.has(key)) {
      return fallback;
    }
    Node node = f.value(key);
    String p = f.path(key);
    Kind k = kindOf(node);
    String v = null;
    if (k == Kind.BOOL) {
      v = ((ScalarNode) node).getValue().toLowerCase(Locale.ROOT);
    } else if (k == Kind.TEXT && ((ScalarNode) node).getValue().contains("${")) {
      Text t = text(node, p, "true or false");
      if (t == null) {
        return null;
      }
      v = t.value();
    }
    if ("true".equals(v)) {
      return true;
    }
    if ("false".equals(v)) {
      return false;
    }
    errors.add(p, node, "expected true or false; got " + kind(node));
    return null;
  }

  private <E extends Enum<E>> E choice(Node node, String path, Class<E> type, String... allowed) {
    Text t = text(node, path, "one of " + String.join(", ", allowed));
    if (t == null) {
      return null;
    }
    for (String a : allowed) {
      if (a.equals(t.value())) {
        return Enum.valueOf(type, a.toUpperCase(Locale.ROOT));
      }
    }
    errors.add(path, node, "expected one of " + String.join(", ", allowed) + "; got " + show(t));
    return null;
  }

  @FunctionalInterface
  private interface ItemBinder {
    String bind(Text text, String path, Node node);
  }

  /** An optional list of strings (absent or null = empty list), each checked by {@code item}. */
  private List<String> stringList(Fields f, String key, ItemBinder item) {
    if (!f.has(key) || isNull(f.value(key))) {
      return List.of();
    }
    SequenceNode seq = sequence(f, key);
    if (seq == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < seq.getValue().size(); i++) {
      Node n = seq.getValue().get(i);
      String ip = index(f.path(key), i);
      Text t = text(n, ip, "text");
      String v = t == null ? null : item.bind(t, ip, n);
      if (v == null) {
        ok = false;
      } else {
        out.add(v);
      }
    }
    return ok ? out : null;
  }

  private SequenceNode sequence(Fields f, String key) {
    if (!f.has(key) || isNull(f.value(key))) {
      return null;
    }
    Node node = f.value(key);
    if (node instanceof SequenceNode seq && kindOf(node) == Kind.SEQ) {
      return seq;
    }
    errors.add(f.path(key), node, "expected a list; got " + kind(node));
    return null;
  }

  /** A scalar read as text, with references resolved; null (recorded) if it is not a scalar or a reference fails. */
  private Text text(Node node, String path, String expected) {
    Kind k = kindOf(node);
    switch (k) {
      case TEXT, INT, FLOAT, BOOL -> {}
      case NULL -> {
        errors.add(path, node, "missing value; expected " + expected);
        return null;
      }
      case MAP, SEQ, UNSUPPORTED_TAG -> {
        errors.add(path, node, "expected " + expected + "; got " + kind(node));
        return null;
      }
    }
    String raw = ((ScalarNode) node).getValue();
    if (k != Kind.TEXT) {
      return new Text(raw, false);
    }
    return Interpolation.resolve(raw, env, message -> errors.add(path, node, "the value " + message));
  }

  /** Human wording of a value, never showing text that came from the environment. */
  static String show(Text t) {
    if (t.fromReference()) {
      return "the value of an ${env:…} reference (not shown)";
    }
    String v = t.value();
    if (v.length() > 60) {
      v = v.substring(0, 60) + "…";
    }
    return "\"" + v.replace("\"", "\\\"") + "\"";
  }

  // ---------------------------------------------------------------- nodes and mappings

  enum Kind {
    MAP,
    SEQ,
    TEXT,
    INT,
    FLOAT,
    BOOL,
    NULL,
    UNSUPPORTED_TAG
  }

  static Kind kindOf(Node node) {
    if (node == null) {
      return Kind.NULL;
    }
    Tag tag = node.getTag();
    return switch (node) {
      case MappingNode m -> tag.equals(Tag.MAP) ? Kind.MAP : Kind.UNSUPPORTED_TAG;
      case SequenceNode s -> tag.equals(Tag.SEQ) ? Kind.SEQ : Kind.UNSUPPORTED_TAG;
      case ScalarNode s -> {
        if (tag.equals(Tag.STR) || tag.equals(ENV_TAG)) {
          yield Kind.TEXT;
        } else if (tag.equals(Tag.INT)) {
          yield Kind.INT;
        } else if (tag.equals(Tag.FLOAT)) {
          yield Kind.FLOAT;
        } else if (tag.equals(Tag.BOOL)) {
          yield Kind.BOOL;
        } else if (tag.equals(Tag.NULL)) {
          yield Kind.NULL;
        } else {
          yield Kind.UNSUPPORTED_TAG;
        }
      }
      default -> Kind.UNSUPPORTED_TAG;
    };
  }

  static boolean isNull(Node node) {
    return kindOf(node) == Kind.NULL;
  }

  static String kind(Node node) {
    return switch (kindOf(node)) {
      case MAP -> "a mapping";
      case SEQ -> "a list";
      case TEXT -> "text";
      case INT -> "the number " + ((ScalarNode) node).getValue();
      case FLOAT -> "the number " + ((ScalarNode) node).getValue();
      case BOOL -> "the boolean " + ((ScalarNode) node).getValue();
      case NULL -> "nothing (null)";
      case UNSUPPORTED_TAG -> "a value with the YAML tag " + node.getTag().getValue() + " (tags are not supported)";
    };
  }

  /** One key/value pair of a mapping, with its document path. */
  record Entry(String key, Node keyNode, Node value, String path) {}

  /** The checked entries of one mapping: keys are scalars, unique, and (when a key list is given) known. */
  static final class Fields {
    static final Fields EMPTY = new Fields("", Map.of());

    private final String path;
    private final Map<String, Entry> entries;
    private Map<String, Fields> subs = Map.of();

    Fields(String path, Map<String, Entry> entries) {
      this.path = path;
      this.entries = entries;
    }

    static Fields empty(String path) {
      return new Fields(path, Map.of());
    }

    boolean has(String key) {
      return entries.containsKey(key);
    }

    Node value(String key) {
      Entry e = entries.get(key);
      return e == null ? null : e.value();
    }

    Node keyNode(String key) {
      Entry e = entries.get(key);
      return e == null ? null : e.keyNode();
    }

    String path(String key) {
      return child(path, key);
    }

    Set<String> keys() {
      return entries.keySet();
    }

    Fields sub(String key) {
      return subs.get(key);
    }

    void remember(String key, Fields f) {
      if (subs.isEmpty()) {
        subs = new HashMap<>();
      }
      subs.put(key, f);
    }
  }

  /** Checks a mapping's keys (scalar, unique, known when {@code known} is non-null); null (recorded) if it is not a mapping. */
  private Fields fields(Node node, String path, List<String> known, String expected) {
    if (kindOf(node) != Kind.MAP) {
      errors.add(path, node, "expected " + expected + "; got " + kind(node));
      return null;
    }
    Map<String, Entry> entries = new LinkedHashMap<>();
    for (NodeTuple tuple : ((MappingNode) node).getValue()) {
      Node keyNode = tuple.getKeyNode();
      Kind kk = kindOf(keyNode);
      if (kk != Kind.TEXT && kk != Kind.INT && kk != Kind.BOOL && kk != Kind.FLOAT) {
        errors.add(path, keyNode, "keys must be plain text; got " + kind(keyNode));
        continue;
      }
      String key = ((ScalarNode) keyNode).getValue();
      String keyPath = child(path, key);
      Entry first = entries.get(key);
      if (first != null) {
        errors.add(keyPath, keyNode, "duplicate key " + quote(key) + " (first at line "
            + first.keyNode().getStartMark().map(m -> m.getLine() + 1).orElse(0) + "); each key may appear once");
        continue;
      }
      if (known != null && !known.contains(key)) {
        String hint = Suggest.closest(key, known).map(s -> "did you mean " + s + "? ").orElse("");
        errors.add(keyPath, keyNode, "unknown key " + quote(key) + "; " + hint + "expected one of " + String.join(", ", known));
        continue;
      }
      entries.put(key, new Entry(key, keyNode, tuple.getValueNode(), keyPath));
    }
    return new Fields(path, entries);
  }

  /** A section that defaults when absent or null; null (recorded) if present but not a mapping. */
  private Fields section(Fields parent, String key, List<String> known) {
    if (!parent.has(key) || isNull(parent.value(key))) {
      return Fields.empty(parent.path(key));
    }
    return fields(parent.value(key), parent.path(key), known, "a mapping with keys " + String.join(", ", known));
  }

  /** Entries of a user-named mapping (upstreams, agents, env, headers): empty when absent or null. */
  private Map<String, Entry> namedEntries(Fields parent, String key, String expected) {
    if (!parent.has(key) || isNull(parent.value(key))) {
      return Map.of();
    }
    Fields f = fields(parent.value(key), parent.path(key), null, expected);
    if (f == null) {
      return Map.of();
    }
    parent.remember(key, f);
    return f.entries;
  }

  static String child(String path, String key) {
    String k = key.length() > 64 ? key.substring(0, 64) + "…" : key;
    if (k.matches("[A-Za-z0-9_-]+")) {
      return path.isEmpty() ? k : path + "." + k;
    }
    return path + "[\"" + k.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
  }

  static String index(String path, int i) {
    return path + "[" + i + "]";
  }

  private static String quote(String s) {
    String v = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    return "'" + v + "'";
  }
}
