package dev.bastion.inspect;

import dev.bastion.config.FirewallConfig;
import dev.bastion.config.FirewallConfig.Action;
import dev.bastion.pipeline.Finding;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * Runs the detectors over every string of a JSON tree (text content and structured content alike)
 * and applies the configured action per detector and direction: {@code block} refuses the whole
 * message, {@code redact} rewrites the string (matched spans become typed placeholders such as
 * {@code [REDACTED:aws_access_key]}; a string with obfuscation is replaced by its canonical form,
 * which drops invisible characters and terminal escapes), {@code record} only reports. Also
 * enforces the output size and line-length limits. Immutable and thread-safe.
 */
public final class Inspector {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Scanner scanner;
  private final Map<String, FirewallConfig.Actions> actions;
  private final int maxResultChars;
  private final int maxLineChars;
  private final FirewallConfig.Oversize onOversize;

  public Inspector(FirewallConfig config) {
    this.scanner = new Scanner(Set.copyOf(config.linkHosts()));
    this.actions = config.actions();
    this.maxResultChars = config.maxResultChars();
    this.maxLineChars = config.maxLineChars();
    this.onOversize = config.onOversize();
    // Class loading and pattern compilation (ICU's confusable data included) at config load, not on a first call.
    warmUp(scanner);
  }

  private static void warmUp(Scanner scanner) {
    scanner.inspect("warm-up: see ![x](https://warm.invalid/a.png?q=1) and AKIAQ3EXAMPLE7KEY4ZZ\u200b");
    HostMatch.skeleton("warm");
  }

  /**
   * What the first inspector of a process pays and later ones do not, whatever their settings:
   * loading and initialising the detectors' classes and compiling their patterns (ICU's confusable
   * data included). The gateway's start-up runs it ahead, while it waits for other set-up; an
   * inspector built afterwards is the same as one built without it.
   */
  public static void prepare() {
    warmUp(Scanner.standard());
  }

  /**
   * What inspection concluded about one tree.
   *
   * @param rewritten the tree to forward instead, or null when nothing was rewritten
   * @param blocked true if some finding's action is block (or a limit was exceeded with on_oversize: block)
   */
  public record Inspection(JsonNode rewritten, List<Finding> findings, boolean blocked) {
    public String describe() {
      Set<String> seen = new java.util.LinkedHashSet<>();
      for (Finding f : findings) {
        if (f.action().equals("block")) {
          seen.add(f.detector() + " at " + f.location());
        }
      }
      return String.join(", ", seen.stream().limit(5).toList());
    }
  }

  /** The action for a detector (by id, else by its category, else record). */
  public Action action(Hit.Category category, String detector, Direction direction) {
    FirewallConfig.Actions a = actions.get(detector);
    Action chosen = a == null ? null : pick(a, direction);
    if (chosen == null) {
      FirewallConfig.Actions c = actions.get(category.id());
      chosen = c == null ? null : pick(c, direction);
    }
    return chosen == null ? Action.RECORD : chosen;
  }

  private static Action pick(FirewallConfig.Actions a, Direction d) {
    return d == Direction.REQUEST ? a.request() : a.response();
  }

  public Inspection inspect(JsonNode tree, Direction direction, String location) {
    Walk walk = new Walk(direction);
    JsonNode out = walk.node(tree, location, null, -1);
    return new Inspection(out, walk.findings == null ? List.of() : walk.findings, walk.blocked);
  }

  /** Redacts every detector hit in the tree regardless of configured actions (for audit copies). */
  public JsonNode redactAll(JsonNode tree) {
    Walk walk = new Walk(null);
    JsonNode out = walk.node(tree, "", null, -1);
    return out == null ? tree : out;
  }

  /**
   * A node's JSON pointer: its parent's, then its key or index (neither for the root). Put into a
   * string only when something is reported there or a container passes it on, not for every leaf.
   */
  private static String path(String parent, String key, int index) {
    return key != null ? parent + "/" + key : index >= 0 ? parent + "/" + index : parent;
  }

  private final class Walk {
    final Direction direction;
    /** Created on the first finding: most trees have none. */
    List<Finding> findings;
    Set<String> seen;
    boolean blocked;
    long budget = maxResultChars;

    Walk(Direction direction) {
      this.direction = direction;
    }

    /** Adds a finding unless the same detector already reported at the same path. */
    void report(String detector, String path, Finding finding) {
      if (seen == null) {
        seen = new HashSet<>();
        findings = new ArrayList<>();
      }
      if (seen.add(detector + "\u0000" + path)) {
        findings.add(finding);
      }
    }

    /** The replacement for the node at {@code path(parent, key, index)}, or null if it is unchanged. */
    JsonNode node(JsonNode node, String parent, String key, int index) {
      if (node == null) {
        return null;
      }
      if (node.isString()) {
        String s = text(node.asString(), parent, key, index);
        return s == null ? null : StringNode.valueOf(s);
      }
      if (node.isObject()) {
        String path = path(parent, key, index);
        ObjectNode copy = null;
        boolean binary = node.has("mimeType") && !node.path("mimeType").asString("").startsWith("text/");
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          if (binary && (e.getKey().equals("data") || e.getKey().equals("blob"))) {
            continue;
          }
          JsonNode r = node(e.getValue(), path, e.getKey(), -1);
          if (r != null) {
            if (copy == null) {
              copy = ((ObjectNode) node).deepCopy();
            }
            copy.set(e.getKey(), r);
          }
        }
        return copy;
      }
      if (node.isArray()) {
        String path = path(parent, key, index);
        ArrayNode copy = null;
        for (int i = 0; i < node.size(); i++) {
          JsonNode r = node(node.get(i), path, null, i);
          if (r != null) {
            if (copy == null) {
              copy = ((ArrayNode) node).deepCopy();
            }
            copy.set(i, r);
          }
        }
        return copy;
      }
      return null;
    }

    /** The rewritten string, or null if unchanged. */
    String text(String original, String parent, String key, int index) {
      String s = original;
      boolean limited = false;
      String path = null;
      if (direction == Direction.RESPONSE) {
        String bounded = limits(s, parent, key, index);
        if (bounded != null) {
          s = bounded;
          limited = true;
        }
      }
      Scanner.Result r = scanner.inspect(s);
      if (r.hits().isEmpty()) {
        return limited ? s : null;
      }
      String canonical = r.canonical().text();
      List<Hit> redact = new ArrayList<>();
      boolean canonicalize = false;
      for (Hit h : r.hits()) {
        Action a = direction == null ? Action.REDACT : action(h.category(), h.detector(), direction);
        if (direction != null) {
          path = path == null ? path(parent, key, index) : path;
          report(h.detector(), path, new Finding(h.category().id(), h.detector(), direction.id(), a.name().toLowerCase(java.util.Locale.ROOT), path));
        }
        switch (a) {
          case BLOCK -> blocked = true;
          case REDACT -> {
            if (h.end() > h.start()) {
              redact.add(h);
            } else {
              canonicalize = true;
            }
          }
          case RECORD -> {}
        }
      }
      if (redact.isEmpty() && !canonicalize) {
        return limited ? s : null;
      }
      String out = Redaction.apply(canonical, redact);
      return out.equals(original) ? null : out;
    }

    /** Applies the size and line limits; returns the bounded text or null if within limits. */
    String limits(String s, String parent, String key, int index) {
      String out = null;
      if (s.length() > maxLineChars && longestLine(s) > maxLineChars) {
        out = Redaction.truncateLines(s, maxLineChars);
        overflow("max_line_chars", path(parent, key, index));
      }
      String cur = out == null ? s : out;
      if (cur.length() > budget) {
        int keep = (int) Math.max(0, budget);
        out = cur.substring(0, keep) + "…[TRUNCATED: " + (cur.length() - keep) + " chars over max_result_chars]";
        overflow("max_result_chars", path(parent, key, index));
        budget = 0;
      } else {
        budget -= cur.length();
      }
      return out;
    }

    void overflow(String detector, String path) {
      boolean block = onOversize == FirewallConfig.Oversize.BLOCK;
      blocked |= block;
      report(detector, path, new Finding("limit", detector, direction.id(), block ? "block" : "redact", path));
    }
  }

  static int longestLine(String s) {
    int longest = 0;
    int start = 0;
    for (int i = 0, n = s.length(); i <= n; i++) {
      if (i == n || s.charAt(i) == '\n') {
        longest = Math.max(longest, i - start);
        start = i + 1;
      }
    }
    return longest;
  }

  /** For tests and benchmarks: the scanner this inspector uses. */
  public Scanner scanner() {
    return scanner;
  }

  static JsonNodeFactory nodes() {
    return NODES;
  }
}
