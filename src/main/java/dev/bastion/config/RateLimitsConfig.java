package dev.bastion.config;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Per-agent, per-tool and per-session call limits (the {@code rate_limits} section). A value of 0
 * means "no limit". Agent overrides are complete quotas (unset keys inherit the defaults at load).
 *
 * @param defaults the quota of every agent without an override
 * @param agents per-agent quotas, by agent id
 * @param tools per-tool calls per minute (per agent), by exposed tool name; overrides
 *     {@link Quota#toolCallsPerMinute()} for that tool
 */
public record RateLimitsConfig(Quota defaults, Map<String, Quota> agents, Map<String, Integer> tools) {

  public static final RateLimitsConfig NONE = new RateLimitsConfig(Quota.UNLIMITED, Map.of(), Map.of());

  public RateLimitsConfig {
    Objects.requireNonNull(defaults, "defaults");
    agents = Map.copyOf(agents);
    tools = Map.copyOf(tools);
  }

  /** The quota that applies to one agent. */
  public Quota quotaFor(String agentId) {
    return agents.getOrDefault(agentId, defaults);
  }

  /** Whether any limit at all is configured. */
  public boolean any() {
    return defaults.any() || agents.values().stream().anyMatch(Quota::any) || tools.values().stream().anyMatch(v -> v > 0);
  }

  /**
   * @param callsPerMinute calls per minute of one agent, across its sessions
   * @param toolCallsPerMinute calls per minute of one agent to any one tool
   * @param sessionCallsPerMinute calls per minute within one session
   * @param concurrentCalls calls of one agent in flight at once
   * @param sessionTotalCalls calls over the whole life of one session
   * @param loopRepeats the same tool with the same (canonical) arguments this many times within
   *     {@code loopWindow} is a loop: the call is refused with {@code loop_detected}
   * @param loopWindow the window loop detection looks back over
   */
  public record Quota(
      int callsPerMinute,
      int toolCallsPerMinute,
      int sessionCallsPerMinute,
      int concurrentCalls,
      int sessionTotalCalls,
      int loopRepeats,
      Duration loopWindow) {

    public static final Duration DEFAULT_LOOP_WINDOW = Duration.ofMinutes(1);
    public static final Quota UNLIMITED = new Quota(0, 0, 0, 0, 0, 0, DEFAULT_LOOP_WINDOW);

    public Quota {
      Objects.requireNonNull(loopWindow, "loopWindow");
    }

    public boolean any() {
      return callsPerMinute > 0 || toolCallsPerMinute > 0 || sessionCallsPerMinute > 0 || concurrentCalls > 0
          || sessionTotalCalls > 0 || loopRepeats > 0;
    }
  }
}
