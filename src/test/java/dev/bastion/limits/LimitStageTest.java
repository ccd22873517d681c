package dev.bastion.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.RateLimitsConfig;
import dev.bastion.config.RateLimitsConfig.Quota;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Pipeline;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import dev.bastion.pipeline.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

class LimitStageTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private static Quota quota(int perMinute, int toolPerMinute, int sessionPerMinute, int concurrent, int sessionTotal, int loopRepeats) {
    return new Quota(perMinute, toolPerMinute, sessionPerMinute, concurrent, sessionTotal, loopRepeats, Duration.ofMinutes(1));
  }

  private LimitStage stage(Quota defaults) {
    return stage(new RateLimitsConfig(defaults, Map.of(), Map.of()));
  }

  private LimitStage stage(RateLimitsConfig config) {
    return new LimitStage(config, now::get, 1000);
  }

  private static final Stage OK = new Stage() {
    @Override
    public String name() {
      return "upstream";
    }

    @Override
    public Outcome handle(Exchange exchange, Chain chain) {
      return Outcome.success(JsonNodeFactory.instance.objectNode());
    }
  };

  static Exchange call(String agent, String session, String method, String tool, String argsJson) {
    ObjectNode params = JSON.createObjectNode();
    params.put("name", tool);
    params.set("arguments", JSON.readTree(argsJson));
    return new Exchange("x", Instant.EPOCH, Era.LEGACY, "2025-11-25", "127.0.0.1", Exchange.Credential.NONE,
        Principal.agent(agent, List.of(), "api_key"), session,
        new JsonRpcMessage.Request(JsonNodeFactory.instance.numberNode(1), method, params),
        Target.GATEWAY, Exchange.NotificationSink.DISCARD, new ExchangeLog());
  }

  static Exchange call(String agent, String session, String tool, String argsJson) {
    return call(agent, session, "tools/call", tool, argsJson);
  }

  private static Outcome run(LimitStage stage, Exchange e) {
    return new Pipeline(List.of(stage, OK)).run(e);
  }

  private static Fault refused(Outcome o, ReasonCode code, String limit) {
    assertThat(o).isInstanceOf(Outcome.Failure.class);
    Fault f = ((Outcome.Failure) o).fault();
    assertThat(f.code()).isEqualTo(code);
    assertThat(f.data().get("limit").asString()).isEqualTo(limit);
    return f;
  }

  @Test
  void agentCallsPerMinuteAreATokenBucketThatRefillsAndSaysWhenToRetry() {
    LimitStage stage = stage(quota(3, 0, 0, 0, 0, 0));
    for (int i = 0; i < 3; i++) {
      assertThat(run(stage, call("a", null, "t__x", "{\"i\":" + i + "}"))).isInstanceOf(Outcome.Success.class);
    }
    Fault f = refused(run(stage, call("a", null, "t__y", "{}")), ReasonCode.RATE_LIMITED, "calls_per_minute");
    long retry = f.data().get("retryAfterMs").asLong();
    assertThat(retry).isBetween(1L, 20_000L); // one token of 3 per minute: at most 20 s away
    assertThat(run(stage, call("b", null, "t__x", "{}"))).as("another agent has its own bucket").isInstanceOf(Outcome.Success.class);
    now.addAndGet(Duration.ofMillis(retry).toNanos());
    assertThat(run(stage, call("a", null, "t__y", "{}"))).as("after the advertised wait").isInstanceOf(Outcome.Success.class);
  }

  @Test
  void perToolLimitsCountEachToolSeparatelyAndPerToolOverridesWin() {
    LimitStage stage = stage(new RateLimitsConfig(quota(0, 2, 0, 0, 0, 0), Map.of(), Map.of("mail__send", 1)));
    assertThat(run(stage, call("a", null, "mail__send", "{}"))).isInstanceOf(Outcome.Success.class);
    refused(run(stage, call("a", null, "mail__send", "{\"n\":2}")), ReasonCode.RATE_LIMITED, "tool_calls_per_minute");
    assertThat(run(stage, call("a", null, "tickets__read", "{}"))).isInstanceOf(Outcome.Success.class);
    assertThat(run(stage, call("a", null, "tickets__read", "{\"n\":2}"))).isInstanceOf(Outcome.Success.class);
    refused(run(stage, call("a", null, "tickets__read", "{\"n\":3}")), ReasonCode.RATE_LIMITED, "tool_calls_per_minute");
  }

  @Test
  void sessionRatesAndSessionTotalsApplyPerSession() {
    LimitStage stage = stage(quota(0, 0, 2, 0, 3, 0));
    assertThat(run(stage, call("a", "s1", "t__x", "{\"n\":1}"))).isInstanceOf(Outcome.Success.class);
    assertThat(run(stage, call("a", "s1", "t__x", "{\"n\":2}"))).isInstanceOf(Outcome.Success.class);
    refused(run(stage, call("a", "s1", "t__x", "{\"n\":3}")), ReasonCode.RATE_LIMITED, "session_calls_per_minute");
    assertThat(run(stage, call("a", "s2", "t__x", "{}"))).as("another session").isInstanceOf(Outcome.Success.class);
    now.addAndGet(Duration.ofMinutes(2).toNanos());
    // s1 made 3 attempts (the refused one counts towards the total): the 4th is over its lifetime budget
    Fault f = refused(run(stage, call("a", "s1", "t__x", "{\"n\":4}")), ReasonCode.RATE_LIMITED, "session_total_calls");
    assertThat(f.data().has("retryAfterMs")).as("waiting does not help").isFalse();
  }

  @Test
  void theSameToolWithTheSameCanonicalArgumentsNTimesInAWindowIsALoop() {
    LimitStage stage = stage(quota(0, 0, 0, 0, 0, 3));
    assertThat(run(stage, call("a", "s", "t__x", "{\"a\":1,\"b\":[1,2]}"))).isInstanceOf(Outcome.Success.class);
    assertThat(run(stage, call("a", "s", "t__x", "{\"b\":[1,2],\"a\":1}"))).isInstanceOf(Outcome.Success.class);
    assertThat(run(stage, call("a", "s", "t__x", "{\"a\":2,\"b\":[1,2]}"))).as("different arguments").isInstanceOf(Outcome.Success.class);
    assertThat(run(stage, call("a", "s", "t__y", "{\"a\":1,\"b\":[1,2]}"))).as("different tool").isInstanceOf(Outcome.Success.class);
    Fault f = refused(run(stage, call("a", "s", "t__x", "{\"a\":1, \"b\":[1,2]}")), ReasonCode.LOOP_DETECTED, "loop_repeats");
    assertThat(f.data().get("retryAfterMs").asLong()).isBetween(1L, 60_000L);
    now.addAndGet(Duration.ofSeconds(61).toNanos());
    assertThat(run(stage, call("a", "s", "t__x", "{\"a\":1,\"b\":[1,2]}"))).as("after the window").isInstanceOf(Outcome.Success.class);
  }

  @Test
  void concurrentCallsBeyondTheLimitAreRefusedAndCountersAreReleased() throws Exception {
    LimitStage stage = stage(quota(0, 0, 0, 1, 0, 0));
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Stage blocking = new Stage() {
      @Override
      public String name() {
        return "upstream";
      }

      @Override
      public Outcome handle(Exchange exchange, Chain chain) {
        inside.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return Outcome.success(JsonNodeFactory.instance.objectNode());
      }
    };
    Pipeline pipeline = new Pipeline(List.of(stage, blocking));
    List<Outcome> first = new ArrayList<>();
    Thread t = Thread.ofVirtual().start(() -> first.add(pipeline.run(call("a", null, "t__x", "{}"))));
    assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
    refused(run(stage, call("a", null, "t__x", "{\"n\":2}")), ReasonCode.RATE_LIMITED, "concurrent_calls");
    assertThat(run(stage, call("b", null, "t__x", "{}"))).as("other agents are not affected").isInstanceOf(Outcome.Success.class);
    release.countDown();
    t.join(Duration.ofSeconds(30));
    assertThat(first).singleElement().isInstanceOf(Outcome.Success.class);
    assertThat(stage.agentsInFlight()).isZero();
    assertThat(run(stage, call("a", null, "t__x", "{}"))).isInstanceOf(Outcome.Success.class);
  }

  @Test
  void perAgentOverridesReplaceTheDefaults() {
    LimitStage stage = stage(new RateLimitsConfig(quota(1, 0, 0, 0, 0, 0), Map.of("batch", quota(3, 0, 0, 0, 0, 0)), Map.of()));
    assertThat(run(stage, call("a", null, "t__x", "{}"))).isInstanceOf(Outcome.Success.class);
    refused(run(stage, call("a", null, "t__x", "{\"n\":1}")), ReasonCode.RATE_LIMITED, "calls_per_minute");
    for (int i = 0; i < 3; i++) {
      assertThat(run(stage, call("batch", null, "t__x", "{\"n\":" + i + "}"))).isInstanceOf(Outcome.Success.class);
    }
    refused(run(stage, call("batch", null, "t__x", "{}")), ReasonCode.RATE_LIMITED, "calls_per_minute");
  }

  @Test
  void housekeepingIsNeverLimited() {
    LimitStage stage = stage(quota(1, 1, 1, 1, 1, 2));
    for (int i = 0; i < 5; i++) {
      assertThat(run(stage, call("a", "s", "tools/list", "", "{}"))).isInstanceOf(Outcome.Success.class);
      assertThat(run(stage, call("a", "s", "ping", "", "{}"))).isInstanceOf(Outcome.Success.class);
    }
  }

  @Test
  void stateStaysBoundedWhateverNamesAnAgentSends() {
    LimitStage stage = new LimitStage(new RateLimitsConfig(quota(0, 5, 0, 0, 0, 3), Map.of(), Map.of()), now::get, 50);
    for (int i = 0; i < 5_000; i++) {
      assertThat(run(stage, call("a", "s", "t__" + i, "{}"))).isInstanceOf(Outcome.Success.class);
    }
    assertThat(stage.stateSizes()).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(50));
  }
}
