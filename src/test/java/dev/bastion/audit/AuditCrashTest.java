package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: a child JVM appends durable records and acknowledges each one; it is killed with
 * SIGKILL at a random moment (after a random number of acknowledgements), restarted, killed again
 * … Every trial the log must verify and hold every acknowledged record.
 */
class AuditCrashTest {
  private static final int TRIALS = 8;
  private static final long SEED = 20261122L;
  @TempDir Path dir;

  @Test
  void afterEachSigkillTheLogVerifiesAndHoldsEveryAcknowledgedRecord() throws Exception {
    Random random = new Random(SEED);
    Set<String> acked = new HashSet<>();
    for (int trial = 0; trial < TRIALS; trial++) {
      int killAfter = trial == 0 ? 0 : random.nextInt(1, 2_500);
      acked.addAll(runAndKill("t" + trial, killAfter));

      try (AuditStore store = AuditStores.openReadOnly(null, dir)) {
        VerifyResult result = AuditVerifier.verify(store, AuditKeys.readPublicKey(dir.resolve(AuditKeys.PUBLIC_KEY_FILE)));
        assertThat(result).as("trial %d (killed after %d acks)", trial, killAfter).isInstanceOf(VerifyResult.Verified.class);
        Set<String> stored = new HashSet<>();
        long count = ((VerifyResult.Verified) result).count();
        for (long from = 1; from <= count; from += 5_000) {
          store.read(from, 5_000).forEach(r -> stored.add(r.exchangeId()));
        }
        assertThat(stored).as("trial %d: every acknowledged record is stored", trial).containsAll(acked);
      }
    }
    assertThat(acked.size()).isGreaterThan(TRIALS);
  }

  /** Starts the child, waits for {@code killAfter} acks, kills it with SIGKILL; returns every ack it printed. */
  private List<String> runAndKill(String run, int killAfter) throws Exception {
    String javaBin = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process child = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-cp",
        System.getProperty("java.class.path"), AuditCrashChild.class.getName(), dir.toString(), run)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = Thread.ofVirtual().start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        lines.add("EOF " + e.getMessage());
      }
    });
    List<String> acks = new ArrayList<>();
    try {
      String first = lines.poll(30, TimeUnit.SECONDS);
      assertThat(first).as("the child starts").isEqualTo("READY");
      while (acks.size() < killAfter) {
        String line = lines.poll(30, TimeUnit.SECONDS);
        assertThat(line).as("the child keeps acknowledging").isNotNull().startsWith("ACK ");
        acks.add(line.substring(4));
      }
    } finally {
      child.destroyForcibly(); // SIGKILL
      child.waitFor(30, TimeUnit.SECONDS);
      reader.join(java.time.Duration.ofSeconds(30));
    }
    // acknowledgements printed before the kill landed count too
    for (String line : lines) {
      if (line.startsWith("ACK ")) {
        acks.add(line.substring(4));
      }
    }
    return acks;
  }
}
