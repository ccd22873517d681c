package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way of tampering with a closed log is detected and located. 20 records, checkpoints at 5, 10, 15, 20. */
class AuditTamperTest {
  @TempDir Path dir;
  private Path db;
  private PublicKey key;

  @BeforeEach
  void writeLog() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir, AuditLog.Tuning.DEFAULTS.withCheckpointEveryRecords(5))) {
      for (int i = 0; i < 20; i++) {
        AuditRecord.Effect e = i % 3 == 0 ? AuditRecord.Effect.DENY : AuditRecord.Effect.ALLOW;
        assertThat(log.append(Fixtures.record("agent-" + (i % 2), "tool-" + i, e)).await(Duration.ofSeconds(10)))
            .isInstanceOf(AppendResult.Durable.class);
      }
    }
    db = dir.resolve("audit.db");
    key = AuditKeys.readPublicKey(dir.resolve(AuditKeys.PUBLIC_KEY_FILE));
  }

  private VerifyResult verify() {
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      return AuditVerifier.verify(store, key);
    }
  }

  private void sql(String... statements) throws Exception {
    try (Connection c = Fixtures.sqlite(db); Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }

  private static VerifyResult.Broken broken(long seq, VerifyResult.Problem what) {
    return new VerifyResult.Broken(seq, what, "");
  }

  private void assertBroken(long seq, VerifyResult.Problem what) {
    assertThat(verify()).isInstanceOfSatisfying(VerifyResult.Broken.class, b -> {
      assertThat(b.firstBadSeq()).as(b.detail()).isEqualTo(seq);
      assertThat(b.what()).as(b.detail()).isEqualTo(what);
    });
  }

  @Test
  void theUntouchedLogVerifies() {
    assertThat(verify()).isInstanceOfSatisfying(VerifyResult.Verified.class, v -> {
      assertThat(v.count()).isEqualTo(20);
      assertThat(v.checkpoints()).isEqualTo(4);
    });
  }

  @Test
  void editingTheArgumentsOfOneRecordIsDetectedAsAlteredAtThatRecord() throws Exception {
    sql("UPDATE records SET args = '{\"path\":\"/etc/shadow\"}' WHERE seq = 7");
    assertBroken(7, VerifyResult.Problem.ALTERED);
  }

  @Test
  void editingTheDecisionOfOneRecordIsDetectedAsAltered() throws Exception {
    sql("UPDATE records SET effect = 'allow', reason = NULL WHERE seq = 10");
    assertBroken(10, VerifyResult.Problem.ALTERED);
  }

  @Test
  void anUnreadableValueInARecordIsDetectedAsAltered() throws Exception {
    sql("UPDATE records SET effect = 'maybe' WHERE seq = 12");
    assertBroken(12, VerifyResult.Problem.ALTERED);
  }

  @Test
  void deletingARowIsDetectedAsRemovedAtTheMissingSeq() throws Exception {
    sql("DELETE FROM records WHERE seq = 7");
    assertBroken(7, VerifyResult.Problem.REMOVED);
  }

  @Test
  void swappingTwoRowsIsDetectedAsReorderedAtTheFirstOfThem() throws Exception {
    sql("UPDATE records SET seq = -8 WHERE seq = 8", "UPDATE records SET seq = 8 WHERE seq = 9",
        "UPDATE records SET seq = 9 WHERE seq = -8");
    assertBroken(8, VerifyResult.Problem.REORDERED);
  }

  @Test
  void truncatingTheTailBehindASignedCheckpointIsDetectedAsRemoved() throws Exception {
    sql("DELETE FROM records WHERE seq > 12");
    assertBroken(13, VerifyResult.Problem.REMOVED);
  }

  @Test
  void forgingACheckpointIsDetectedAsABadSignature() throws Exception {
    String hash9;
    try (Connection c = Fixtures.sqlite(db); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT hash FROM records WHERE seq = 9")) {
      rs.next();
      hash9 = rs.getString(1);
    }
    sql("UPDATE checkpoints SET head_hash = '" + hash9 + "', seq = 9 WHERE seq = 10");
    assertBroken(9, VerifyResult.Problem.BAD_SIGNATURE);
  }

  @Test
  void rewritingAPartOfTheChainWithFreshHashesIsCaughtByTheNextCheckpoint() throws Exception {
    List<AuditRecord> records;
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      records = store.read(1, 100);
    }
    // the attacker changes record 7 and recomputes hashes for 7..20 so every link holds
    String prev = records.get(5).hash();
    try (Connection c = Fixtures.sqlite(db);
        PreparedStatement ps = c.prepareStatement("UPDATE records SET args = ?, prev_hash = ?, hash = ? WHERE seq = ?")) {
      for (int i = 6; i < records.size(); i++) {
        AuditRecord r = records.get(i);
        String args = i == 6 ? "{\"path\":\"/nothing/to/see\"}" : r.args();
        AuditRecord forged = new AuditRecord(r.seq(), r.time(), r.exchangeId(), r.agent(), r.user(), r.session(), r.era(),
            r.protocolVersion(), r.method(), r.server(), r.target(), r.argsDigest(), args, r.effect(), r.ruleIds(),
            r.reason(), r.upstreamLatencyMs(), r.upstreamOutcome(), r.resultDigest(), r.labels(), r.traceId(), prev, null);
        String h = forged.computeHash();
        ps.setString(1, args);
        ps.setString(2, prev);
        ps.setString(3, h);
        ps.setLong(4, r.seq());
        ps.executeUpdate();
        prev = h;
      }
    }
    // checkpoint 5 still matches; checkpoint 10 does not: records 6..10 are suspect
    assertBroken(6, VerifyResult.Problem.ALTERED);
  }

  @Test
  void changingOneRecordAndRecomputingOnlyItsHashIsDetectedAtThatRecord() throws Exception {
    AuditRecord r;
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      r = store.read(12, 1).getFirst();
    }
    AuditRecord forged = new AuditRecord(r.seq(), r.time(), r.exchangeId(), "someone-else", r.user(), r.session(),
        r.era(), r.protocolVersion(), r.method(), r.server(), r.target(), r.argsDigest(), r.args(), r.effect(),
        r.ruleIds(), r.reason(), r.upstreamLatencyMs(), r.upstreamOutcome(), r.resultDigest(), r.labels(), r.traceId(),
        r.prevHash(), null);
    sql("UPDATE records SET agent = 'someone-else', hash = '" + forged.computeHash() + "' WHERE seq = 12");
    assertBroken(12, VerifyResult.Problem.ALTERED);
  }

  @Test
  void replacingTheSigningKeyAndResigningIsDetectedWithTheOriginalPublicKey() throws Exception {
    AuditKeys attacker = AuditKeys.generate();
    List<Checkpoint> cps;
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      cps = store.checkpoints();
    }
    try (Connection c = Fixtures.sqlite(db);
        PreparedStatement ps = c.prepareStatement("UPDATE checkpoints SET key_id = ?, signature = ? WHERE seq = ?")) {
      for (Checkpoint cp : cps) {
        Checkpoint forged = attacker.sign(cp.seq(), cp.headHash(), cp.time());
        ps.setString(1, forged.keyId());
        ps.setString(2, forged.signature());
        ps.setLong(3, cp.seq());
        ps.executeUpdate();
      }
    }
    Files.writeString(dir.resolve(AuditKeys.PUBLIC_KEY_FILE), attacker.publicKeyPem());
    assertBroken(5, VerifyResult.Problem.BAD_SIGNATURE);
    assertThat(broken(5, VerifyResult.Problem.BAD_SIGNATURE).what().wireName()).isEqualTo("bad-signature");
  }
}
