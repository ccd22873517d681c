package dev.bastion.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code flow:} section: information-flow labels per upstream server, tool and resource, the
 * built-in flow rules and their modes, and the bounds of the per-session flow state. See
 * docs/flow.md.
 *
 * @param servers label overrides per upstream name (absent servers get annotation defaults)
 * @param internalDomains domains (and their subdomains) whose hosts and e-mail addresses count as an
 *     internal sink even for a tool whose sink kind is external
 * @param egressBudgetBytes tainted (private) bytes a session may send to external sinks in total
 * @param maxSessions flow sessions kept at once (least recently used are dropped)
 * @param sessionIdleTimeout a flow session unused for this long is dropped
 */
public record FlowConfig(
    boolean enabled,
    Map<String, ServerLabels> servers,
    List<String> internalDomains,
    Rules rules,
    long egressBudgetBytes,
    int maxSessions,
    Duration sessionIdleTimeout) {

  public static final FlowConfig DEFAULT =
      new FlowConfig(true, Map.of(), List.of(), Rules.DEFAULT, 4096, 10_000, Duration.ofMinutes(30));

  public FlowConfig {
    servers = Map.copyOf(servers);
    internalDomains = List.copyOf(internalDomains);
    Objects.requireNonNull(rules, "rules");
    Objects.requireNonNull(sessionIdleTimeout, "sessionIdleTimeout");
  }

  public enum Integrity {
    TRUSTED,
    UNTRUSTED
  }

  public enum Sink {
    NONE,
    INTERNAL,
    EXTERNAL
  }

  /** How a built-in rule acts: enforce it, only record what it would have done, or not run it. */
  public enum RuleMode {
    ENFORCE,
    ASK,
    SHADOW,
    OFF
  }

  /**
   * Labels written for one server, tool or resource; a null field keeps the default.
   *
   * @param confidentiality public, internal, private or a custom name (ranked like private)
   * @param keyArguments the arguments that say where a consequential action goes or whom it pays
   *     (recipient, account, URL); null keeps the built-in list
   */
  public record LabelSpec(String confidentiality, Integrity integrity, Sink sink, List<String> keyArguments) {
    public static final LabelSpec NONE = new LabelSpec(null, null, null, null);

    public LabelSpec {
      keyArguments = keyArguments == null ? null : List.copyOf(keyArguments);
    }

    /** This spec with every field it leaves open taken from {@code under}. */
    public LabelSpec over(LabelSpec under) {
      return new LabelSpec(
          confidentiality != null ? confidentiality : under.confidentiality,
          integrity != null ? integrity : under.integrity,
          sink != null ? sink : under.sink,
          keyArguments != null ? keyArguments : under.keyArguments);
    }
  }

  /**
   * @param resources labels by resource URI prefix (longest matching prefix wins)
   */
  public record ServerLabels(LabelSpec server, Map<String, LabelSpec> tools, Map<String, LabelSpec> resources) {
    public ServerLabels {
      Objects.requireNonNull(server, "server");
      tools = Map.copyOf(tools);
      resources = Map.copyOf(resources);
    }
  }

  /**
   * The built-in flow rules' modes.
   *
   * @param exfiltration external sink + argument carrying private data + session read untrusted
   * @param untrustedKeyArgument a consequential action's key argument came only from untrusted content
   * @param egressBudget the session's tainted egress exceeded {@code egress_budget_bytes}
   */
  public record Rules(RuleMode exfiltration, RuleMode untrustedKeyArgument, RuleMode egressBudget) {
    public static final Rules DEFAULT = new Rules(RuleMode.ENFORCE, RuleMode.ENFORCE, RuleMode.ENFORCE);
  }
}
