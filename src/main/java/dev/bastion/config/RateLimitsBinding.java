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

/** The {@code rate_limits:} section: per-agent, per-tool and per-session quotas and loop detection. */
final class RateLimitsBinding extends ValueBinder {
  static final List<String> QUOTA_KEYS = List.of(
      "calls_per_minute", "tool_calls_per_minute", "session_calls_per_minute", "concurrent_calls", "session_total_calls",
      "loop_repeats", "loop_window");
  static final List<String> RATE_LIMITS_KEYS = concat(QUOTA_KEYS, List.of("agents", "tools"));

  RateLimitsBinding(Path baseDir, Function<String, String> env, Errors errors) {
    super(baseDir, env, errors);
  }

  RateLimitsConfig rateLimits(Fields root, Map<String, AgentConfig> agents) {
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

  static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }
}
