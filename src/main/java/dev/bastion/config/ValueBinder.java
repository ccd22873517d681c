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
 * The value-level half of config binding, shared by {@link Binder} (the file's layout and the core
 * sections) and the per-capability section bindings ({@code *Binding}): typed scalars, paths, URLs,
 * durations, lists, secrets and the mapping helpers, each recording its error with path and line.
 */
abstract class ValueBinder {
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

  static final Tag ENV_TAG = Tag.ENV_TAG;

  final Path baseDir;

  final Function<String, String> env;

  final Errors errors;

  ValueBinder(Path baseDir, Function<String, String> env, Errors errors) {
    this.baseDir = baseDir;
    this.env = env;
    this.errors = errors;
  }

  Map<String, Secret> secrets(Fields f, String key, Pattern namePattern, String nameDescription) {
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

  // ---------------------------------------------------------------- values

  HostPort hostPort(Fields f, String key, HostPort fallback) {
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

  String httpUrl(Node node, String path) {
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

  String origin(Text t, String path, Node node) {
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

  String hostHeader(Text t, String path, Node node) {
    if (t.value().matches("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")) {
      return t.value();
    }
    errors.add(path, node, "expected a host or host:port such as localhost or bastion.internal:8080; got " + show(t));
    return null;
  }

  Path path(Fields f, String key, Path fallback) {
    if (!f.has(key)) {
      return fallback;
    }
    Text t = text(f.value(key), f.path(key), "a path");
    return t == null ? null : resolvePath(t.value(), f.path(key), f.value(key));
  }

  Path resolvePath(String text, String path, Node node) {
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

  Duration duration(Fields f, String key, Duration fallback) {
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

  Integer integer(Fields f, String key, int fallback, int min, int max) {
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

  Boolean bool(Fields f, String key, boolean fallback) {
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

  <E extends Enum<E>> E choice(Node node, String path, Class<E> type, String... allowed) {
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
  interface ItemBinder {
    String bind(Text text, String path, Node node);
  }

  /** An optional list of strings (absent or null = empty list), each checked by {@code item}. */
  List<String> stringList(Fields f, String key, ItemBinder item) {
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

  SequenceNode sequence(Fields f, String key) {
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
  Text text(Node node, String path, String expected) {
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
  Fields fields(Node node, String path, List<String> known, String expected) {
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
  Fields section(Fields parent, String key, List<String> known) {
    if (!parent.has(key) || isNull(parent.value(key))) {
      return Fields.empty(parent.path(key));
    }
    return fields(parent.value(key), parent.path(key), known, "a mapping with keys " + String.join(", ", known));
  }

  /** Entries of a user-named mapping (upstreams, agents, env, headers): empty when absent or null. */
  Map<String, Entry> namedEntries(Fields parent, String key, String expected) {
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

  static String quote(String s) {
    String v = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    return "'" + v + "'";
  }

  /** A host name or {@code *.domain} pattern, lower-cased. */
  String hostPattern(Text t, String path, Node node) {
    String v = t.value().toLowerCase(Locale.ROOT);
    if (!v.matches("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
      errors.add(path, node, "expected a host name such as docs.example.com or *.example.com; got " + show(t));
      return null;
    }
    return v;
  }
}
