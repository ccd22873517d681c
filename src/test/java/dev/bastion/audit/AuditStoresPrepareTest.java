package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditStoresPrepareTest {
  @TempDir Path dir;

  @Test
  void preparingAheadTouchesNoDataAndAStoreOpenedMeanwhileWorks() throws Exception {
    // the start-up's warm-up thread prepares while the gateway opens its store on another thread
    CompletableFuture<Void> ahead = CompletableFuture.runAsync(AuditStores::prepare);
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir)) {
      ahead.get(60, TimeUnit.SECONDS);
      AuditStores.prepare(); // once per process: later calls return at once
      assertThat(log.append(Fixtures.record()).await(java.time.Duration.ofSeconds(30))).isInstanceOf(AppendResult.Durable.class);
    }
    try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
      assertThat(AuditVerifier.verify(store, AuditKeys.readPublicKey(dir.resolve(AuditKeys.PUBLIC_KEY_FILE))))
          .isInstanceOfSatisfying(VerifyResult.Verified.class, v -> assertThat(v.count()).isEqualTo(1));
    }
  }

  @Test
  void preparingWritesNothingIntoAnyDataDirectory() throws Exception {
    AuditStores.prepare();
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }
}
