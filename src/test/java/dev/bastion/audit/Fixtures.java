package dev.bastion.audit;

import dev.bastion.config.AuditConfig;
import dev.bastion.jsonrpc.JsonRpcMessage;
import dev.bastion.pipeline.Era;
import dev.bastion.pipeline.Exchange;
import dev.bastion.pipeline.ExchangeLog;
import dev.bastion.pipeline.Principal;
import dev.bastion.pipeline.Target;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

final class Fixtures {
  private static final AtomicLong IDS = new AtomicLong();
  static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Fixtures() {}

  static AuditConfig sync() {
    return new AuditConfig(null, AuditConfig.Durability.SYNC, null, Duration.ofHours(1), false);
  }

  static AuditConfig batch() {
    return new AuditConfig(null, AuditConfig.Durability.BATCH, Duration.ofMillis(50), Duration.ofHours(1), false);
  }

  static AuditConfig failOpen() {
    return new AuditConfig(null, AuditConfig.Durability.SYNC, null, Duration.ofHours(1), true);
  }

  static AuditLog.Tuning fastTuning() {
    return AuditLog.Tuning.DEFAULTS.withRetry(Duration.ofMillis(10), Duration.ofMillis(50)).withBusyTimeoutMs(50);
  }

  /** An unchained record of a tools/call by {@code agent}. */
  static AuditRecord record(String agent, String tool, AuditRecord.Effect effect) {
    ObjectNode args = F.objectNode().put("path", "/tmp/x").put("n", IDS.incrementAndGet());
    return new AuditRecord(0, Instant.parse("2026-03-01T10:00:00.123456Z"), "ex-" + IDS.incrementAndGet(), agent, "alice",
        "sess-1", "legacy", "2025-11-25", "tools/call", "fs", tool, CanonicalJson.sha256Hex(args),
        CanonicalJson.write(args), effect, effect == AuditRecord.Effect.DENY ? List.of("r1") : List.of(),
        effect == AuditRecord.Effect.DENY ? "policy_denied" : null, effect == AuditRecord.Effect.ALLOW ? 12L : null,
        effect == AuditRecord.Effect.ALLOW ? "ok" : null, null, List.of(), null, null, null);
  }

  static AuditRecord record() {
    return record("agent-a", "fs_read", AuditRecord.Effect.ALLOW);
  }

  static Exchange toolCall(String tool, ObjectNode arguments) {
    ObjectNode params = F.objectNode().put("name", tool);
    params.set("arguments", arguments);
    return new Exchange("ex-" + IDS.incrementAndGet(), Instant.now(), Era.LEGACY, "2025-11-25", "127.0.0.1",
        Exchange.Credential.NONE, Principal.agent("agent-a", List.of("dev"), "api_key"), "sess-9",
        new JsonRpcMessage.Request(F.numberNode(1), "tools/call", params),
        new Target(Target.Kind.TOOL, "fs", tool, "read", null), Exchange.NotificationSink.DISCARD, new ExchangeLog());
  }

  static Connection sqlite(java.nio.file.Path db) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + db);
  }

  static Clock clock() {
    return Clock.systemUTC();
  }
}
