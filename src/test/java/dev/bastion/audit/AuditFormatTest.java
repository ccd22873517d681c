package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bastion.pipeline.Finding;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Record formats 1 (before findings) and 2 in one chain: migration, verification, tampering. */
class AuditFormatTest {
  private static final Finding FOUND = new Finding("secret", "aws_access_key", "request", "block", "/arguments/message");

  @TempDir Path dir;

  /** A database as the previous version wrote it: schema 1, three format-1 records. */
  private String writeSchema1Log() throws Exception {
    Path db = dir.resolve("audit.db");
    String prev = AuditRecord.GENESIS_HASH;
    try (Connection c = Fixtures.sqlite(db)) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE TABLE records (seq INTEGER PRIMARY KEY, time_us INTEGER NOT NULL, "
            + "exchange_id TEXT NOT NULL, agent TEXT NOT NULL, user_id TEXT, session_id TEXT, era TEXT NOT NULL, "
            + "protocol_version TEXT, method TEXT NOT NULL, server TEXT NOT NULL, target TEXT NOT NULL, "
            + "args_digest TEXT NOT NULL, args TEXT NOT NULL, effect TEXT NOT NULL, rule_ids TEXT NOT NULL, reason TEXT, "
            + "latency_ms INTEGER, upstream_outcome TEXT, result_digest TEXT, labels TEXT NOT NULL, trace_id TEXT, "
            + "prev_hash TEXT NOT NULL, hash TEXT NOT NULL)");
        st.execute("CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, head_hash TEXT NOT NULL, "
            + "time_us INTEGER NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL)");
        st.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        st.execute("INSERT INTO meta (key, value) VALUES ('schema', '1')");
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (int seq = 1; seq <= 3; seq++) {
          AuditRecord r = v1(Fixtures.record()).chain(seq, prev);
          Object[] values = {r.seq(), SqliteAuditStore.micros(r.time()), r.exchangeId(), r.agent(), r.user(), r.session(),
              r.era(), r.protocolVersion(), r.method(), r.server(), r.target(), r.argsDigest(), r.args(), r.effect().wireName(),
              "[]", r.reason(), r.upstreamLatencyMs(), r.upstreamOutcome(), r.resultDigest(), "[]", r.traceId(), r.prevHash(), r.hash()};
          for (int i = 0; i < values.length; i++) {
            ps.setObject(i + 1, values[i]);
          }
          ps.executeUpdate();
          prev = r.hash();
        }
      }
    }
    return prev;
  }

  private static AuditRecord v1(AuditRecord r) {
    return new AuditRecord(0, r.time(), r.exchangeId(), r.agent(), r.user(), r.session(), r.era(), r.protocolVersion(),
        r.method(), r.server(), r.target(), r.argsDigest(), r.args(), r.effect(), r.ruleIds(), r.reason(),
        r.upstreamLatencyMs(), r.upstreamOutcome(), r.resultDigest(), r.labels(), r.traceId(), 1, List.of(), null, null);
  }

  @Test
  void formatOneHashesWithoutTheNewFieldsAndFormatTwoWithThem() {
    AuditRecord base = Fixtures.record();
    AuditRecord one = v1(base).chain(1, AuditRecord.GENESIS_HASH);
    AuditRecord two = base.chain(1, AuditRecord.GENESIS_HASH);
    assertThat(one.contentJson().has("findings")).isFalse();
    assertThat(one.contentJson().has("format")).isFalse();
    assertThat(two.contentJson().path("format").asInt()).isEqualTo(2);
    assertThat(one.hash()).isNotEqualTo(two.hash());
    AuditRecord withFinding = base.withFindings(List.of(FOUND)).chain(1, AuditRecord.GENESIS_HASH);
    assertThat(withFinding.hash()).isNotEqualTo(two.hash());
    assertThatThrownBy(() -> new AuditRecord(0, base.time(), "x", "a", null, null, "legacy", null, "m", "", "", "d", "{}",
        AuditRecord.Effect.ALLOW, List.of(), null, null, null, null, List.of(), null, 1, List.of(FOUND), null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AuditRecord(0, base.time(), "x", "a", null, null, "legacy", null, "m", "", "", "d", "{}",
        AuditRecord.Effect.ALLOW, List.of(), null, null, null, null, List.of(), null, 3, List.of(), null, null))
        .hasMessageContaining("unknown audit record format 3");
  }

  @Test
  void longLocationsAreCut() {
    Finding longOne = new Finding("secret", "jwt", "response", "redact", "/result/" + "k".repeat(1000));
    AuditRecord r = Fixtures.record().withFindings(List.of(longOne));
    assertThat(r.findings().getFirst().location()).hasSize(AuditRecord.MAX_LOCATION_CHARS);
  }

  @Test
  void aSchemaOneLogIsReadMigratedExtendedAndVerifiesAcrossBothFormats() throws Exception {
    writeSchema1Log();
    // read-only before migration: the old rows read as format 1
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      assertThat(store.read(1, 10)).hasSize(3).allSatisfy(r -> assertThat(r.format()).isEqualTo(1));
      assertThat(store.query(new AuditQuery(null, null, null, null, null, 0, 10, "secret"))).isEmpty();
    }
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir)) {
      assertThat(log.append(Fixtures.record().withFindings(List.of(FOUND))).await(Duration.ofSeconds(10)))
          .isInstanceOf(AppendResult.Durable.class);
      assertThat(log.append(Fixtures.record()).await(Duration.ofSeconds(10))).isInstanceOf(AppendResult.Durable.class);
    }
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      List<AuditRecord> all = store.read(1, 10);
      assertThat(all).extracting(AuditRecord::format).containsExactly(1, 1, 1, 2, 2);
      assertThat(all.get(3).findings()).containsExactly(FOUND);
      assertThat(store.query(new AuditQuery(null, null, null, null, null, 0, 10, "aws_access_key")))
          .extracting(AuditRecord::seq).containsExactly(4L);
      VerifyResult v = AuditVerifier.verify(store, AuditKeys.loadOrCreate(dir).publicKey());
      assertThat(v).isInstanceOf(VerifyResult.Verified.class);
      assertThat(((VerifyResult.Verified) v).count()).isEqualTo(5);
    }
  }

  @Test
  void removingOrChangingAFindingIsDetected() throws Exception {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir)) {
      for (int i = 0; i < 3; i++) {
        log.append(Fixtures.record().withFindings(List.of(FOUND))).await(Duration.ofSeconds(10));
      }
    }
    try (Connection c = Fixtures.sqlite(dir.resolve("audit.db")); Statement st = c.createStatement()) {
      st.execute("UPDATE records SET findings = '[]' WHERE seq = 2");
    }
    assertBrokenAt(2);
    try (Connection c = Fixtures.sqlite(dir.resolve("audit.db")); Statement st = c.createStatement()) {
      // restoring the findings but claiming format 1 (which has none) does not pass either
      st.execute("UPDATE records SET findings = '[]', format = 1 WHERE seq = 2");
    }
    assertBrokenAt(2);
  }

  private void assertBrokenAt(long seq) {
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      VerifyResult v = AuditVerifier.verify(store, AuditKeys.loadOrCreate(dir).publicKey());
      assertThat(v).isInstanceOf(VerifyResult.Broken.class);
      assertThat(((VerifyResult.Broken) v).firstBadSeq()).isEqualTo(seq);
    }
  }
}
