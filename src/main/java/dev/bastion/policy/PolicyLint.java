package dev.bastion.policy;

import dev.bastion.config.AgentConfig;
import dev.bastion.config.BastionConfig;
import dev.bastion.config.PolicyConfig;
import dev.bastion.config.PolicyConfig.Effect;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Static checks of a policy and the settings around it ({@code bastion policy lint}): rules that can
 * never match or never take effect, conflicting rules, grants without conditions, references to
 * servers or roles the configuration does not have, and risky settings (no authentication or an
 * anonymous agent on a non-loopback listener, fail-open audit, an allow default). Works on a config
 * that already passed {@code config check}.
 */
public final class PolicyLint {
  private PolicyLint() {}

  public enum Severity {
    ERROR,
    WARNING,
    INFO
  }

  /** One finding; {@code ruleId} is empty for findings about the configuration as a whole. */
  public record Finding(Severity severity, String code, String ruleId, String message) {
    public String describe() {
      return severity.name().toLowerCase(java.util.Locale.ROOT) + " [" + code + "]" + (ruleId.isEmpty() ? "" : " rule " + ruleId) + ": " + message;
    }
  }

  private static final Pattern ROLE_REF = Pattern.compile("['\"]([A-Za-z0-9][A-Za-z0-9_.:-]*)['\"]\\s+in\\s+agent\\.roles");
  private static final Set<String> KNOWN_METHODS = Set.of(
      "tools/call", "resources/read", "prompts/get", "completion/complete", "resources/subscribe", "resources/unsubscribe",
      "logging/setLevel");

  public static List<Finding> lint(BastionConfig config, CompiledPolicy policy) {
    return lint(config, policy, ToolDefinitions.NONE);
  }

  /**
   * With the upstreams' tool definitions known ({@code tools}: from the pins file, a tools/list
   * result, or the upstreams themselves), also flags allow rules without conditions that cover
   * destructive tools (by their annotations) and rules naming tools no upstream has.
   */
  public static List<Finding> lint(BastionConfig config, CompiledPolicy policy, ToolDefinitions tools) {
    List<Finding> out = new ArrayList<>();
    if (tools.known()) {
      out.add(new Finding(Severity.INFO, "tool_definitions", "", "checked against " + tools.toolCount() + " tool definitions of "
          + tools.byServer().size() + " servers from " + tools.source()));
    } else {
      out.add(new Finding(Severity.INFO, "tool_definitions", "", "no tool definitions (no pins file yet, no --tools, no --connect):"
          + " destructive tools and tool names cannot be checked"));
    }
    Map<String, PolicyConfig.Rule> written = new LinkedHashMap<>();
    config.policy().rules().forEach(r -> written.put(r.id(), r));
    Set<String> roles = new HashSet<>();
    config.agents().values().forEach(a -> roles.addAll(a.roles()));
    boolean rolesFromTokens = config.identity().jwt() != null;
    List<CompiledPolicy.CompiledRule> rules = policy.rules();
    for (int i = 0; i < rules.size(); i++) {
      CompiledPolicy.CompiledRule rule = rules.get(i);
      RuleIndex.Guard g = rule.guard();
      String when = written.containsKey(rule.id()) ? written.get(rule.id()).when().trim() : "true";
      if (g.empty() || when.equals("false")) {
        out.add(new Finding(Severity.WARNING, "never_matches", rule.id(), "the condition can never be true (contradicting literals or false)"));
        continue;
      }
      if (g.servers() != null) {
        for (String s : g.servers()) {
          if (!config.upstreams().containsKey(s)) {
            out.add(new Finding(Severity.WARNING, "unknown_server", rule.id(), "tool.server '" + s + "' is not a configured upstream (have " + config.upstreams().keySet() + ")"));
          }
        }
      }
      if (g.methods() != null) {
        for (String m : g.methods()) {
          if (!KNOWN_METHODS.contains(m)) {
            out.add(new Finding(Severity.WARNING, "unknown_method", rule.id(), "method '" + m + "' is not a policy-checked MCP method (" + String.join(", ", KNOWN_METHODS) + ")"));
          }
        }
      }
      Matcher m = ROLE_REF.matcher(when);
      while (m.find()) {
        if (!roles.contains(m.group(1))) {
          out.add(new Finding(rolesFromTokens ? Severity.INFO : Severity.WARNING, "unknown_role", rule.id(),
              "role '" + m.group(1) + "' is held by no configured agent" + (rolesFromTokens ? " (it may come from JWT claims)" : "")));
        }
      }
      if (rule.mode() == PolicyConfig.Mode.ENFORCE && rule.effect() == Effect.ALLOW && g.exact()) {
        boolean wildcard = g.names() == null && g.servers() == null;
        if (wildcard) {
          out.add(new Finding(Severity.WARNING, "wildcard_grant", rule.id(), "allows " + (g.methods() == null ? "every call" : "every " + g.methods())
              + " with no condition on agent, tool or arguments"));
        }
        if (tools.known()) {
          List<String> destructive = tools.selected(g.servers(), g.names()).entrySet().stream()
              .filter(e -> ToolDefinitions.destructive(e.getValue())).map(Map.Entry::getKey).toList();
          if (!destructive.isEmpty()) {
            out.add(new Finding(Severity.WARNING, "unconditional_destructive", rule.id(), "allows destructive tools ("
                + "annotations: destructiveHint true or absent, not readOnlyHint) without any condition: " + ToolDefinitions.some(destructive)
                + "; add a condition on the agent or the arguments, or tool.annotations.destructiveHint == false"));
          }
        } else if (g.names() == null) {
          out.add(new Finding(Severity.WARNING, "unconditional_destructive", rule.id(),
              "allows calls without any condition, destructive tools (annotations.destructiveHint) included; add a condition such as"
                  + " tool.annotations.destructiveHint == false or name the tools"));
        }
      }
      if (tools.known() && g.names() != null) {
        unknownTools(config, tools, rule, g, out);
      }
      for (int j = 0; j < i; j++) {
        CompiledPolicy.CompiledRule earlier = rules.get(j);
        if (earlier.mode() != PolicyConfig.Mode.ENFORCE || rule.mode() != PolicyConfig.Mode.ENFORCE) {
          continue;
        }
        String earlierWhen = written.containsKey(earlier.id()) ? written.get(earlier.id()).when().trim() : "true";
        if (earlierWhen.equals(when)) {
          out.add(earlier.effect() == rule.effect()
              ? new Finding(Severity.WARNING, "duplicate", rule.id(), "has the same condition and effect as rule " + earlier.id() + "; it adds nothing")
              : new Finding(Severity.WARNING, "conflict", rule.id(), "has the same condition as rule " + earlier.id() + " but effect "
                  + name(rule.effect()) + " instead of " + name(earlier.effect()) + "; the stronger effect always wins"));
          break;
        }
        if (earlier.effect() != Effect.ALLOW && rule.effect() != Effect.DENY && earlier.guard().exact() && earlier.guard().covers(g)
            && strength(earlier.effect()) > strength(rule.effect())) {
          out.add(new Finding(Severity.WARNING, "shadowed", rule.id(), "can never take effect: rule " + earlier.id() + " "
              + name(earlier.effect()) + "s every call this rule could " + name(rule.effect())));
          break;
        }
      }
    }
    risky(config, out);
    return out;
  }

  private static void unknownTools(BastionConfig config, ToolDefinitions tools, CompiledPolicy.CompiledRule rule, RuleIndex.Guard g,
      List<Finding> out) {
    Set<String> scope = g.servers() != null ? g.servers() : config.upstreams().keySet();
    List<String> unseen = scope.stream().filter(s -> !tools.byServer().containsKey(s)).sorted().toList();
    Set<String> known = tools.names(g.servers());
    for (String name : g.names()) {
      if (known.contains(name)) {
        continue;
      }
      String where = g.servers() == null ? "any upstream" : "upstream " + String.join(", ", g.servers());
      if (unseen.isEmpty()) {
        out.add(new Finding(Severity.WARNING, "unknown_tool", rule.id(), "tool.name '" + name + "' is not a tool of " + where
            + " in " + tools.source()));
      } else {
        out.add(new Finding(Severity.INFO, "unknown_tool", rule.id(), "tool.name '" + name + "' is not a known tool of " + where
            + " (no definitions for " + String.join(", ", unseen) + ")"));
      }
    }
  }

  private static void risky(BastionConfig config, List<Finding> out) {
    boolean loopback = isLoopback(config.listen().host());
    boolean anonymous = config.agents().values().stream().anyMatch(AgentConfig::anonymous);
    boolean anyAuth = config.agents().values().stream().anyMatch(a -> !a.keyDigests().isEmpty()) || config.identity().jwt() != null;
    if (anonymous && !loopback) {
      out.add(new Finding(Severity.ERROR, "anonymous_exposed", "", "an anonymous agent is configured and the listener " + config.listen()
          + " is not loopback: anyone who can reach it acts as that agent"));
    }
    if (!anyAuth && !anonymous) {
      out.add(new Finding(Severity.WARNING, "no_auth", "", "no agent has a key and no JWT issuer is configured: every request will be refused"));
    }
    if (config.audit().failOpen()) {
      out.add(new Finding(loopback ? Severity.WARNING : Severity.ERROR, "fail_open", "", "audit.fail_open is true: calls proceed when they cannot be recorded"));
    }
    if (config.policy().defaultEffect() == Effect.ALLOW) {
      out.add(new Finding(Severity.WARNING, "default_allow", "", "the policy default is allow: anything no rule mentions is permitted"));
    }
    if (!config.rateLimits().any()) {
      out.add(new Finding(Severity.INFO, "no_rate_limits", "", "no rate_limits are configured: an agent stuck in a loop is not stopped"));
    }
  }

  static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
  }

  private static int strength(Effect e) {
    return switch (e) {
      case DENY -> 2;
      case ASK -> 1;
      case ALLOW -> 0;
    };
  }

  private static String name(Effect e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
  }
}
