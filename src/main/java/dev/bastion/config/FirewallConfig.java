package dev.bastion.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The agent firewall: what content inspection does per detector and direction, output limits, and
 * per-tool argument constraints. See docs/firewall.md.
 *
 * @param enabled false turns request and response inspection off (argument checks included)
 * @param actions per category ({@code secret}, {@code pii}, {@code injection}, {@code obfuscation},
 *     {@code argument}) or per detector id (which wins over its category)
 * @param linkHosts hosts that markdown links and images in tool output may carry data to
 * @param validateSchema check tools/call arguments against the tool's inputSchema
 * @param maxResultChars text in one result beyond this is truncated (or the result blocked)
 * @param maxLineChars a single line longer than this is truncated (or the result blocked)
 * @param onOversize what to do when a limit is exceeded
 * @param tools argument constraints, keyed by the tool's exposed name ({@code server__tool})
 * @param elicitationUrlHosts hosts a URL-mode elicitation relayed to an agent may send its user to
 *     (name or {@code *.domain}); empty: any public https host
 */
public record FirewallConfig(
    boolean enabled,
    Map<String, Actions> actions,
    List<String> linkHosts,
    boolean validateSchema,
    int maxResultChars,
    int maxLineChars,
    Oversize onOversize,
    Map<String, Map<String, ArgumentRule>> tools,
    List<String> elicitationUrlHosts) {

  public enum Action {
    BLOCK,
    REDACT,
    RECORD
  }

  public enum Oversize {
    TRUNCATE,
    BLOCK
  }

  /** What to do with a finding, per direction; null means "the category's (or default) action". */
  public record Actions(Action request, Action response) {}

  /**
   * A constraint on one argument.
   *
   * @param kind {@code PATH}: confined to {@code roots}; {@code URL}: SSRF-checked, host in {@code
   *     allowHosts} if that is non-empty; {@code PLAIN}: no shell metacharacters, no leading dash;
   *     {@code EMAIL}: every address at a domain of {@code allowHosts} (look-alike domains, by
   *     confusable skeleton, are reported as such)
   */
  public record ArgumentRule(Kind kind, List<Path> roots, List<String> allowHosts) {
    public enum Kind {
      PATH,
      URL,
      PLAIN,
      EMAIL
    }

    public ArgumentRule {
      Objects.requireNonNull(kind, "kind");
      roots = List.copyOf(roots);
      allowHosts = List.copyOf(allowHosts);
    }
  }

  public static final Map<String, Actions> DEFAULT_ACTIONS = Map.of(
      "secret", new Actions(Action.BLOCK, Action.REDACT),
      "pii", new Actions(Action.RECORD, Action.RECORD),
      "injection", new Actions(Action.RECORD, Action.REDACT),
      "obfuscation", new Actions(Action.RECORD, Action.REDACT),
      "argument", new Actions(Action.BLOCK, Action.BLOCK));

  public static final FirewallConfig DEFAULT =
      new FirewallConfig(true, DEFAULT_ACTIONS, List.of(), true, 4 * 1024 * 1024, 256 * 1024, Oversize.TRUNCATE, Map.of());

  public FirewallConfig {
    actions = Map.copyOf(actions);
    linkHosts = List.copyOf(linkHosts);
    Objects.requireNonNull(onOversize, "onOversize");
    tools = Map.copyOf(tools);
    elicitationUrlHosts = List.copyOf(elicitationUrlHosts);
  }

  /** Without an allowlist for URL-mode elicitation. */
  public FirewallConfig(boolean enabled, Map<String, Actions> actions, List<String> linkHosts, boolean validateSchema,
      int maxResultChars, int maxLineChars, Oversize onOversize, Map<String, Map<String, ArgumentRule>> tools) {
    this(enabled, actions, linkHosts, validateSchema, maxResultChars, maxLineChars, onOversize, tools, List.of());
  }
}
