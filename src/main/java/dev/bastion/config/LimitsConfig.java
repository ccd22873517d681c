package dev.bastion.config;

import java.time.Duration;

/** Hard bounds that keep hostile agents and upstreams from exhausting the gateway. */
public record LimitsConfig(
    int maxBodyBytes,
    int maxJsonDepth,
    int maxStringLength,
    int maxResponseBytes,
    Duration callTimeout,
    int maxSessions,
    Duration sessionIdleTimeout) {

  public static final LimitsConfig DEFAULT =
      new LimitsConfig(4 * 1024 * 1024, 64, 1024 * 1024, 16 * 1024 * 1024, Duration.ofSeconds(60), 10_000, Duration.ofMinutes(30));
}
