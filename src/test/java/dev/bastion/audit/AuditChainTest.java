package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditChainTest {
  @TempDir Path dir;

  private List<AppendResult> appendN(AuditLog log, int n) {
    List<AuditTicket> tickets = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tickets.add(log.append(Fixtures.record()));
    }
    return tickets.stream().map(t -> t.await(Duration.ofSeconds(10))).toList();
  }

  @Test
  void appendedRecordsFormAContiguousChainThatVerifies() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir)) {
      List<AppendResult> results = appendN(log, 25);
      assertThat(results).allMatch(r -> r instanceof AppendResult.Durable);
      assertThat(results).extracting(r -> ((AppendResult.Durable) r).seq()).containsExactlyInAnyOrderElementsOf(
          java.util.stream.LongStream.rangeClosed(1, 25).boxed().toList());
    }
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      VerifyResult r = AuditVerifier.verify(store, AuditKeys.readPublicKey(dir.resolve(AuditKeys.PUBLIC_KEY_FILE)));
      assertThat(r).isInstanceOfSatisfying(VerifyResult.Verified.class, v -> {
        assertThat(v.count()).isEqualTo(25);
        assertThat(v.checkpoints()).isEqualTo(1); // the one signed at close
      });
    }
  }

  @Test
  void eachHashIsSha256OfThePreviousHashBytesAndTheCanonicalContent() throws Exception {
    AuditRecord first = Fixtures.record().chain(1, AuditRecord.GENESIS_HASH);
    AuditRecord second = Fixtures.record().chain(2, first.hash());
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(HexFormat.of().parseHex(first.hash()));
    sha.update(CanonicalJson.write(second.contentJson()).getBytes(StandardCharsets.UTF_8));
    assertThat(second.hash()).isEqualTo(HexFormat.of().formatHex(sha.digest()));
    assertThat(second.prevHash()).isEqualTo(first.hash());
    assertThat(CanonicalJson.write(second.contentJson())).doesNotContain("\"hash\"").contains("\"seq\":2");
  }

  @Test
  void theCanonicalContentNamesEveryFieldAndNullsExplicitly() {
    AuditRecord r = Fixtures.record("a", "t", AuditRecord.Effect.DENY).chain(1, AuditRecord.GENESIS_HASH);
    assertThat(CanonicalJson.write(r.contentJson()))
        .startsWith("{\"agent\":\"a\",\"args\":")
        .contains("\"effect\":\"deny\"", "\"ruleIds\":[\"r1\"]", "\"upstreamLatencyMs\":null", "\"traceId\":null",
            "\"time\":\"2026-03-01T10:00:00.123456Z\"", "\"labels\":[]");
  }

  @Test
  void checkpointsAreSignedEveryNRecordsAndAtACleanShutdown() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir, AuditLog.Tuning.DEFAULTS.withCheckpointEveryRecords(10))) {
      for (int i = 0; i < 23; i++) {
        assertThat(log.append(Fixtures.record()).await(Duration.ofSeconds(10))).isInstanceOf(AppendResult.Durable.class);
      }
    }
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      List<Checkpoint> cps = store.checkpoints();
      assertThat(cps).extracting(Checkpoint::seq).containsExactly(10L, 20L, 23L);
      var key = AuditKeys.readPublicKey(dir.resolve(AuditKeys.PUBLIC_KEY_FILE));
      assertThat(cps).allMatch(cp -> AuditKeys.verify(key, cp));
      assertThat(cps.getLast().headHash()).isEqualTo(store.head().hash());
    }
  }

  @Test
  void theSigningKeyIsCreatedOnFirstStartPrivateToItsOwnerAndReusedAfterARestart() throws Exception {
    String keyId;
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir)) {
      appendN(log, 3);
      keyId = AuditKeys.keyId(log.publicKey());
    }
    Path key = dir.resolve(AuditKeys.PRIVATE_KEY_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
    assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(Files.readString(dir.resolve(AuditKeys.PUBLIC_KEY_FILE))).startsWith("-----BEGIN PUBLIC KEY-----");
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir)) {
      assertThat(AuditKeys.keyId(log.publicKey())).isEqualTo(keyId);
      assertThat(appendN(log, 2)).last().isInstanceOfSatisfying(AppendResult.Durable.class, d -> assertThat(d.seq()).isEqualTo(5));
    }
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      assertThat(AuditVerifier.verify(store, AuditKeys.readPublicKey(dir.resolve(AuditKeys.PUBLIC_KEY_FILE))))
          .isInstanceOfSatisfying(VerifyResult.Verified.class, v -> assertThat(v.checkpoints()).isEqualTo(2));
    }
  }

  @Test
  void anAlreadyChainedRecordIsRefusedByAppend() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir)) {
      AuditRecord chained = Fixtures.record().chain(1, AuditRecord.GENESIS_HASH);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.append(chained))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unchained");
    }
  }

  @Test
  void anEmptyLogVerifies() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir)) {
      assertThat(log.head()).isEqualTo(ChainHead.EMPTY);
    }
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      assertThat(AuditVerifier.verify(store, AuditKeys.readPublicKey(dir.resolve(AuditKeys.PUBLIC_KEY_FILE))))
          .isEqualTo(new VerifyResult.Verified(0, ChainHead.EMPTY, 0));
    }
  }

  @Test
  void batchDurabilityAcceptsAtOnceAndWritesTheRecordsSoonAfter() {
    try (AuditLog log = AuditLog.open(Fixtures.batch(), dir)) {
      for (int i = 0; i < 50; i++) {
        assertThat(log.append(Fixtures.record()).await(Duration.ZERO)).isInstanceOf(AppendResult.Accepted.class);
      }
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> log.head().seq() == 50);
    }
  }

  @Test
  void aLogWhoseTailWasRemovedBehindASignedCheckpointIsNotExtended() throws Exception {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir)) {
      appendN(log, 4);
    }
    try (var c = Fixtures.sqlite(dir.resolve("audit.db")); var st = c.createStatement()) {
      st.execute("DELETE FROM records WHERE seq > 2");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AuditLog.open(Fixtures.sync(), dir))
        .isInstanceOf(AuditStoreException.class)
        .hasMessageContaining("ends at seq 2 but a signed checkpoint covers seq 4");
  }
}
