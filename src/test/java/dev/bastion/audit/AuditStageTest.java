package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bastion.pipeline.Decision;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.Fault;
import dev.bastion.pipeline.Outcome;
import dev.bastion.pipeline.Pipeline;
import dev.bastion.pipeline.ReasonCode;
import dev.bastion.pipeline.Stage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class AuditStageTest {
  @TempDir Path dir;
  private FlakyStore store;
  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private final JsonNode result = Fixtures.F.objectNode().put("content", "file body");

  /** The terminal stage: calls "the upstream" and notes its latency. */
  private final Stage upstream = new Stage() {
    @Override
    public String name() {
      return "upstream";
    }

    @Override
    public Outcome handle(Exchange exchange, Chain chain) {
      upstreamCalls.incrementAndGet();
      exchange.log().decision(new Decision.Allow(List.of("allow-reads")));
      exchange.log().upstream(Duration.ofMillis(42), "ok");
      return Outcome.success(result);
    }
  };

  /** A policy stage that denies calls to tool "fs_delete". */
  private final Stage policy = new Stage() {
    @Override
    public String name() {
      return "decide";
    }

    @Override
    public Outcome handle(Exchange exchange, Chain chain) {
      if (exchange.target().exposedName().equals("fs_delete")) {
        exchange.log().decision(new Decision.Deny(ReasonCode.POLICY_DENIED, List.of("no-deletes"), "deletes are not allowed"));
        return new Outcome.Failure(Fault.of(ReasonCode.POLICY_DENIED, "deletes are not allowed", List.of("no-deletes")));
      }
      return chain.proceed(exchange);
    }
  };

  @BeforeEach
  void store() {
    store = new FlakyStore(SqliteAuditStore.open(dir.resolve("audit.db")));
  }

  private ObjectNode args() {
    return Fixtures.F.objectNode().put("path", "/srv/a.txt").put("password", "hunter2");
  }

  private List<AuditRecord> records() {
    return store.read(1, 100);
  }

  @Test
  void aSuccessfulCallIsRecordedWithRedactedArgumentsBeforeTheOutcomeIsReturned() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), store, AuditKeys.generate(), Fixtures.fastTuning(), Fixtures.clock())) {
      Pipeline pipeline = new Pipeline(List.of(new AuditStage(log), policy, upstream));
      Exchange ex = Fixtures.toolCall("fs_read", args());
      Outcome out = pipeline.run(ex);
      assertThat(out).isEqualTo(Outcome.success(result));
      // sync durability: the record is in the store by the time the outcome is back
      assertThat(records()).singleElement().satisfies(r -> {
        assertThat(r.exchangeId()).isEqualTo(ex.id());
        assertThat(r.agent()).isEqualTo("agent-a");
        assertThat(r.method()).isEqualTo("tools/call");
        assertThat(r.server()).isEqualTo("fs");
        assertThat(r.target()).isEqualTo("fs_read");
        assertThat(r.era()).isEqualTo("legacy");
        assertThat(r.session()).isEqualTo("sess-9");
        assertThat(r.effect()).isEqualTo(AuditRecord.Effect.ALLOW);
        assertThat(r.ruleIds()).containsExactly("allow-reads");
        assertThat(r.reason()).isNull();
        assertThat(r.upstreamLatencyMs()).isEqualTo(42L);
        assertThat(r.upstreamOutcome()).isEqualTo("ok");
        assertThat(r.resultDigest()).isEqualTo(CanonicalJson.sha256Hex(result));
        assertThat(r.argsDigest()).isEqualTo(CanonicalJson.sha256Hex(args()));
        assertThat(r.args()).contains("/srv/a.txt", "[REDACTED:key-name]").doesNotContain("hunter2");
        assertThat(r.labels()).isEmpty();
      });
    }
  }

  @Test
  void aDenialByAnInnerStageIsRecordedWithItsRuleAndReason() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), store, AuditKeys.generate(), Fixtures.fastTuning(), Fixtures.clock())) {
      Pipeline pipeline = new Pipeline(List.of(new AuditStage(log), policy, upstream));
      Outcome out = pipeline.run(Fixtures.toolCall("fs_delete", args()));
      assertThat(out).isInstanceOfSatisfying(Outcome.Failure.class,
          f -> assertThat(f.fault().code()).isEqualTo(ReasonCode.POLICY_DENIED));
      assertThat(upstreamCalls).hasValue(0);
      assertThat(records()).singleElement().satisfies(r -> {
        assertThat(r.effect()).isEqualTo(AuditRecord.Effect.DENY);
        assertThat(r.reason()).isEqualTo("policy_denied");
        assertThat(r.ruleIds()).containsExactly("no-deletes");
        assertThat(r.upstreamLatencyMs()).isNull();
        assertThat(r.resultDigest()).isNull();
      });
    }
  }

  @Test
  void whenTheRecordCannotBeWrittenTheAgentGetsAuditUnavailableInsteadOfTheResult() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), store, AuditKeys.generate(), Fixtures.fastTuning(), Fixtures.clock())) {
      Pipeline pipeline = new Pipeline(List.of(new AuditStage(log), policy, upstream));
      store.failure = "disk full";
      Outcome out = pipeline.run(Fixtures.toolCall("fs_read", args()));
      assertThat(out).isInstanceOfSatisfying(Outcome.Failure.class,
          f -> assertThat(f.fault().code()).isEqualTo(ReasonCode.AUDIT_UNAVAILABLE));
      assertThat(upstreamCalls).hasValue(1);
    }
  }

  @Test
  void whileTheLogIsUnavailableRequestsAreRefusedBeforeTheyReachTheUpstreamAndServiceResumesAfterRecovery() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), store, AuditKeys.generate(), Fixtures.fastTuning(), Fixtures.clock())) {
      Pipeline pipeline = new Pipeline(List.of(new AuditStage(log), policy, upstream));
      store.failure = "database is locked";
      pipeline.run(Fixtures.toolCall("fs_read", args()));
      assertThat(log.health()).isInstanceOf(AuditHealth.Unavailable.class);
      int callsBefore = upstreamCalls.get();

      Outcome refused = pipeline.run(Fixtures.toolCall("fs_read", args()));
      assertThat(refused).isInstanceOfSatisfying(Outcome.Failure.class,
          f -> assertThat(f.fault().code()).isEqualTo(ReasonCode.AUDIT_UNAVAILABLE));
      assertThat(upstreamCalls).hasValue(callsBefore);

      store.failure = null;
      await().atMost(Duration.ofSeconds(10)).until(() -> log.health() instanceof AuditHealth.Healthy);
      assertThat(pipeline.run(Fixtures.toolCall("fs_read", args()))).isInstanceOf(Outcome.Success.class);
      assertThat(records()).hasSize(1);
    }
  }

  @Test
  void failOpenIsRecordedAtStartUpAndServesUnrecordedRequestsWhenTheStoreFails() {
    try (AuditLog log = AuditLog.open(Fixtures.failOpen(), store, AuditKeys.generate(), Fixtures.fastTuning(), Fixtures.clock())) {
      assertThat(records()).singleElement().satisfies(r -> {
        assertThat(r.method()).isEqualTo("bastion/audit.fail-open");
        assertThat(r.agent()).isEqualTo("bastion");
        assertThat(r.args()).contains("\"failOpen\":true");
      });
      Pipeline pipeline = new Pipeline(List.of(new AuditStage(log), policy, upstream));
      store.failure = "disk full";
      assertThat(pipeline.run(Fixtures.toolCall("fs_read", args()))).isEqualTo(Outcome.success(result));
      assertThat(log.health()).isInstanceOf(AuditHealth.Unavailable.class);
      assertThat(pipeline.run(Fixtures.toolCall("fs_read", args()))).isEqualTo(Outcome.success(result));
      assertThat(upstreamCalls).hasValue(2);
    }
  }

  @Test
  void theStageIsNamedRecord() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), store, AuditKeys.generate(), Fixtures.fastTuning(), Fixtures.clock())) {
      assertThat(new AuditStage(log).name()).isEqualTo("record");
    }
  }

  @Test
  void effectsAreDerivedFromTheOutcomeAndTheDecision() {
    assertThat(AuditRecords.effect(null, new Outcome.Failure(Fault.of(ReasonCode.UNAUTHENTICATED, "x"))))
        .isEqualTo(AuditRecord.Effect.DENY);
    assertThat(AuditRecords.effect(new Decision.Allow(List.of()), new Outcome.Failure(Fault.of(ReasonCode.UPSTREAM_TIMEOUT, "x"))))
        .isEqualTo(AuditRecord.Effect.ERROR);
    assertThat(AuditRecords.effect(new Decision.Ask(List.of("r"), "m"), new Outcome.Failure(Fault.of(ReasonCode.APPROVAL_REQUIRED, "x"))))
        .isEqualTo(AuditRecord.Effect.ASK);
    assertThat(AuditRecords.effect(new Decision.Allow(List.of()), new Outcome.UpstreamError(-32000, "boom", null)))
        .isEqualTo(AuditRecord.Effect.ALLOW);
  }
}
