package dev.bastion.gateway;

import dev.bastion.config.BastionConfig;
import dev.bastion.config.ConfigError;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.config.PolicyConfig;
import dev.bastion.federation.Catalog;
import dev.bastion.policy.CompiledPolicy;
import dev.bastion.policy.PolicyCompiler;
import dev.bastion.policy.PolicyCompilation;
import dev.bastion.policy.PolicyError;
import dev.bastion.policy.PolicyErrors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The checks that need more than the YAML binder: the policy compiles (every CEL error, located)
 * and upstream names can serve as namespace prefixes. Used by {@code config check}, by start-up and
 * by hot reload, so a file that would fail any of them is rejected whole.
 */
public final class ConfigChecks {

  /** Loads and fully checks a file. */
  public static ConfigResult load(Path file) {
    return switch (ConfigLoader.load(file)) {
      case ConfigResult.Ok ok -> check(ok.config());
      case ConfigResult.Invalid bad -> bad;
    };
  }

  /** Runs the checks on a bound configuration. */
  public static ConfigResult check(BastionConfig config) {
    List<ConfigError> errors = new ArrayList<>();
    for (String name : config.upstreams().keySet()) {
      if (name.contains(Catalog.SEPARATOR)) {
        errors.add(new ConfigError("upstreams." + name, 0, 0, "an upstream name must not contain '" + Catalog.SEPARATOR + "': it separates the server from the tool name"));
      }
    }
    if (compilePolicy(config.policy()) instanceof PolicyErrors policyErrors) {
      for (PolicyError e : policyErrors.errors()) {
        errors.add(toConfigError(config.policy(), e));
      }
    }
    return errors.isEmpty() ? new ConfigResult.Ok(config) : new ConfigResult.Invalid(errors);
  }

  static CompiledPolicy compile(BastionConfig config) {
    return switch (compilePolicy(config.policy())) {
      case CompiledPolicy p -> p;
      case PolicyErrors e -> throw new IllegalArgumentException("the policy does not compile:\n" + e.describe());
    };
  }

  private static ConfigError toConfigError(PolicyConfig policy, PolicyError e) {
    int index = -1;
    for (int i = 0; i < policy.rules().size(); i++) {
      if (policy.rules().get(i).id().equals(e.ruleId())) {
        index = i;
        break;
      }
    }
    String path = index < 0 ? "policy.rules" : "policy.rules[" + index + "].when";
    String where = e.line() > 0 ? " (in the expression at " + e.line() + ":" + e.column() + ")" : "";
    return new ConfigError(path, e.ruleLine(), 0, "rule '" + e.ruleId() + "'" + where + ": " + e.message());
  }

  private ConfigChecks() {}

  /**
   * The last policy compiled, so that checking a file and then building its resources (start-up,
   * every reload) compiles the policy once, not twice: compiling 1,000 CEL rules takes seconds on a
   * busy machine. Policies are values (records), so an equal policy is the same policy.
   */
  private record Compiled(PolicyConfig policy, PolicyCompilation result) {}

  private static final AtomicReference<Compiled> LAST = new AtomicReference<>();

  static PolicyCompilation compilePolicy(PolicyConfig policy) {
    Compiled last = LAST.get();
    if (last != null && last.policy().equals(policy)) {
      return last.result();
    }
    PolicyCompilation result = PolicyCompiler.compile(policy);
    LAST.set(new Compiled(policy, result));
    return result;
  }
}
