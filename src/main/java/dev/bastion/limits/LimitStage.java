package dev.bastion.limits;

import dev.bastion.audit.CanonicalJson;
import dev.bastion.config.RateLimitsConfig;
import dev.bastion.config.RateLimitsConfig.Quota;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import dev.bastion.policy.PolicyStage;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code limit} stage: per-agent, per-tool and per-session call limits and loop detection, for
 * every exchange that acts on something (the methods {@link PolicyStage} decides; protocol
 * housekeeping passes). In order: calls over the session's life, the agent's calls per minute, the
 * agent's calls per minute to this tool, the session's calls per minute, loop detection (the same
 * tool with the same canonical arguments {@code loop_repeats} times within {@code loop_window}),
 * then the agent's concurrent calls. Rates are Bucket4j token buckets (greedy refill over a
 * minute). A refusal is {@link ReasonCode#RATE_LIMITED} or {@link ReasonCode#LOOP_DETECTED} with
 * {@code data.limit} naming the limit and {@code data.retryAfterMs} saying when a retry can succeed
 * (absent when it cannot, e.g. a session that used up its calls).
 *
 * <p>Memory is bounded: buckets, counters and loop windows live in {@link BoundedMap}s that evict
 * the least recently used entry; concurrency counters exist only while calls are in flight.
 */
public final class LimitStage implements Stage {

  /** Most entries per kind of state (agent buckets, tool buckets, sessions, loop windows). */
  public static final int DEFAULT_MAX_ENTRIES = 100_000;

  private final RateLimitsConfig config;
  private final LongSupplier nanos;
  private final TimeMeter meter;
  private final BoundedMap<String, Bucket> agentBuckets;
  private final BoundedMap<String, Bucket> toolBuckets;
  private final BoundedMap<String, Bucket> sessionBuckets;
  private final BoundedMap<String, AtomicLong> sessionTotals;
  private final BoundedMap<String, ArrayDeque<Long>> loops;
  private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

  public LimitStage(RateLimitsConfig config) {
    this(config, System::nanoTime, DEFAULT_MAX_ENTRIES);
  }

  /**
   * @param nanos a monotonic clock in nanoseconds (tests move it by hand)
   * @param maxEntries the bound on each kind of state
   */
  public LimitStage(RateLimitsConfig config, LongSupplier nanos, int maxEntries) {
    this.config = Objects.requireNonNull(config, "config");
    this.nanos = Objects.requireNonNull(nanos, "nanos");
    this.meter = new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return nanos.getAsLong();
      }

      @Override
      public boolean isWallClockBased() {
        return false;
      }
    };
    this.agentBuckets = new BoundedMap<>(maxEntries);
    this.toolBuckets = new BoundedMap<>(maxEntries);
    this.sessionBuckets = new BoundedMap<>(maxEntries);
    this.sessionTotals = new BoundedMap<>(maxEntries);
    this.loops = new BoundedMap<>(maxEntries);
  }

  @Override
  public String name() {
    return "limit";
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    if (PolicyStage.scopeOf(exchange.method()) == PolicyStage.Scope.HOUSEKEEPING || exchange.isNotification()) {
      return chain.proceed(exchange);
    }
    String agent = exchange.principal().agentId();
    Quota quota = config.quotaFor(agent);
    String tool = toolOf(exchange);
    String session = exchange.sessionId();
    Fault refusal = check(agent, quota, tool, session, exchange.params());
    if (refusal != null) {
      exchange.log().note("limit: " + refusal.code().wireName() + " (" + refusal.data().get("limit").asString() + ")");
      return new Outcome.Failure(refusal);
    }
    if (quota.concurrentCalls() <= 0) {
      return chain.proceed(exchange);
    }
    AtomicInteger running = inFlight.compute(agent, (k, v) -> {
      AtomicInteger counter = v == null ? new AtomicInteger() : v;
      counter.incrementAndGet();
      return counter;
    });
    try {
      if (running.get() > quota.concurrentCalls()) {
        exchange.log().note("limit: rate_limited (concurrent_calls)");
        return new Outcome.Failure(refuse(ReasonCode.RATE_LIMITED, "concurrent_calls",
            "too many calls in flight for this agent (limit " + quota.concurrentCalls() + "); retry when one finishes", 1000));
      }
      return chain.proceed(exchange);
    } finally {
      inFlight.computeIfPresent(agent, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
    }
  }

  /** How many agents have calls in flight (for tests: counters are dropped when they reach zero). */
  int agentsInFlight() {
    return inFlight.size();
  }

  /** Entries held per kind of state (for tests of the memory bound). */
  java.util.List<Integer> stateSizes() {
    return java.util.List.of(agentBuckets.size(), toolBuckets.size(), sessionBuckets.size(), sessionTotals.size(), loops.size());
  }

  private Fault check(String agent, Quota quota, String tool, String session, ObjectNode params) {
    if (session != null && quota.sessionTotalCalls() > 0) {
      long used = sessionTotals.computeIfAbsent(agent + '\0' + session, k -> new AtomicLong()).incrementAndGet();
      if (used > quota.sessionTotalCalls()) {
        return refuse(ReasonCode.RATE_LIMITED, "session_total_calls",
            "this session has used its " + quota.sessionTotalCalls() + " calls; start a new session", -1);
      }
    }
    Fault f = take(agentBuckets, agent, quota.callsPerMinute(), "calls_per_minute", "this agent");
    if (f != null) {
      return f;
    }
    int toolLimit = config.tools().getOrDefault(tool, quota.toolCallsPerMinute());
    f = take(toolBuckets, agent + '\0' + tool, toolLimit, "tool_calls_per_minute", "this agent and tool");
    if (f != null) {
      return f;
    }
    if (session != null) {
      f = take(sessionBuckets, agent + '\0' + session, quota.sessionCallsPerMinute(), "session_calls_per_minute", "this session");
      if (f != null) {
        return f;
      }
    }
    if (quota.loopRepeats() > 0) {
      return loop(agent, session, tool, params, quota);
    }
    return null;
  }

  private Fault take(BoundedMap<String, Bucket> buckets, String key, int perMinute, String limit, String who) {
    if (perMinute <= 0) {
      return null;
    }
    // the limit is part of the key, so a reload that changes it starts a fresh bucket
    Bucket bucket = buckets.computeIfAbsent(perMinute + "\0" + key, k -> Bucket.builder()
        .addLimit(l -> l.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
        .withCustomTimePrecision(meter)
        .build());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      return null;
    }
    long waitMs = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999) / 1_000_000);
    return refuse(ReasonCode.RATE_LIMITED, limit, "rate limit for " + who + " exceeded (" + perMinute + " calls per minute); retry in " + waitMs + " ms", waitMs);
  }

  private Fault loop(String agent, String session, String tool, ObjectNode params, Quota quota) {
    JsonNode args = params == null ? null : params.get("arguments");
    String fingerprint = CanonicalJson.sha256Hex(args == null ? JsonNodeFactory.instance.nullNode() : args);
    String key = agent + '\0' + (session == null ? "" : session) + '\0' + tool + '\0' + fingerprint;
    ArrayDeque<Long> window = loops.computeIfAbsent(key, k -> new ArrayDeque<>());
    long now = nanos.getAsLong();
    long span = quota.loopWindow().toNanos();
    synchronized (window) {
      while (!window.isEmpty() && now - window.peekFirst() >= span) {
        window.pollFirst();
      }
      if (window.size() >= quota.loopRepeats() - 1) {
        long waitMs = Math.max(1, (window.peekFirst() + span - now + 999_999) / 1_000_000);
        return refuse(ReasonCode.LOOP_DETECTED, "loop_repeats",
            "the same call (tool and arguments) was made " + (window.size() + 1) + " times within " + quota.loopWindow().toSeconds()
                + " s; this looks like a loop, so it is refused (limit " + quota.loopRepeats() + ")", waitMs);
      }
      window.addLast(now);
    }
    return null;
  }

  private static Fault refuse(ReasonCode code, String limit, String message, long retryAfterMs) {
    ObjectNode data = JsonNodeFactory.instance.objectNode();
    data.put("limit", limit);
    if (retryAfterMs > 0) {
      data.put("retryAfterMs", retryAfterMs);
    }
    return Fault.of(code, message).withData(data);
  }

  /** What a call acts on, as the agent named it: the tool or prompt name, or the resource URI. */
  static String toolOf(Exchange exchange) {
    ObjectNode params = exchange.params();
    JsonNode name = params == null ? null : params.get("name");
    if (name == null && params != null) {
      name = params.get("uri");
    }
    String target = name != null && name.isString() ? name.asString() : "";
    return target.length() > 512 ? exchange.method() + ":" + target.substring(0, 512) : exchange.method().equals("tools/call") ? target : exchange.method() + ":" + target;
  }
}
