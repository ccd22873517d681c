package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AuditCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void writeLog() {
    try (AuditLog log = AuditLog.open(Fixtures.sync(), dir)) {
      for (int i = 0; i < 6; i++) {
        AuditRecord.Effect e = i % 2 == 0 ? AuditRecord.Effect.ALLOW : AuditRecord.Effect.DENY;
        assertThat(log.append(Fixtures.record(i < 3 ? "alice-bot" : "bob-bot", "fs_read", e)).await(Duration.ofSeconds(10)))
            .isInstanceOf(AppendResult.Durable.class);
      }
    }
  }

  private int run(String... args) {
    CommandLine cl = AuditCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void verifyExitsZeroOnAnIntactLog() {
    assertThat(run("verify", "--data-dir", dir.toString())).isEqualTo(0);
    assertThat(out.toString()).startsWith("OK: 6 records");
  }

  @Test
  void verifyExitsOneAndNamesTheFirstBadRecordOnATamperedLog() throws Exception {
    try (Connection c = Fixtures.sqlite(dir.resolve("audit.db")); Statement st = c.createStatement()) {
      st.execute("UPDATE records SET agent = 'nobody' WHERE seq = 4");
    }
    assertThat(run("verify", "--data-dir", dir.toString())).isEqualTo(1);
    assertThat(out.toString()).contains("BROKEN at record 4: altered");
  }

  @Test
  void verifyExitsTwoWhenThereIsNoLog() {
    assertThat(run("verify", "--data-dir", dir.resolve("nowhere").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("error:");
  }

  @Test
  void verifyWithAnotherPublicKeyReportsABadSignature() throws Exception {
    Path otherKey = dir.resolve("other.pub");
    java.nio.file.Files.writeString(otherKey, AuditKeys.generate().publicKeyPem());
    assertThat(run("verify", "--data-dir", dir.toString(), "--pubkey", otherKey.toString())).isEqualTo(1);
    assertThat(out.toString()).contains("bad-signature");
  }

  @Test
  void queryFiltersByAgentAndDecisionAndPrintsJsonLines() {
    assertThat(run("query", "--data-dir", dir.toString(), "--agent", "bob-bot", "--decision", "deny", "--format", "jsonl"))
        .isEqualTo(0);
    String[] lines = out.toString().strip().split("\n");
    assertThat(lines).hasSize(2).allSatisfy(l -> assertThat(l).contains("\"agent\":\"bob-bot\"", "\"effect\":\"deny\""));
  }

  @Test
  void queryByTimeRangeExcludesRecordsOutsideIt() {
    assertThat(run("query", "--data-dir", dir.toString(), "--since", "2030-01-01T00:00:00Z")).isEqualTo(0);
    assertThat(out.toString()).isEmpty();
    assertThat(run("query", "--data-dir", dir.toString(), "--until", "2030-01-01T00:00:00Z", "--tool", "fs_read")).isEqualTo(0);
    assertThat(out.toString().strip().split("\n")).hasSize(7); // header + 6
  }

  @Test
  void queryRejectsAnUnknownDecisionWithTheExpectedValues() {
    assertThat(run("query", "--data-dir", dir.toString(), "--decision", "maybe")).isEqualTo(2);
    assertThat(err.toString()).contains("expected allow, deny, ask or error");
  }

  @Test
  void exportWritesEveryRecordAsOneCanonicalJsonObjectPerLine() {
    assertThat(run("export", "--data-dir", dir.toString(), "--format", "jsonl")).isEqualTo(0);
    String[] lines = out.toString().strip().split("\n");
    assertThat(lines).hasSize(6);
    assertThat(lines[0]).startsWith("{\"agent\":").contains("\"seq\":1", "\"hash\":");
  }

  @Test
  void tailShowsTheNewestRecords() {
    assertThat(run("tail", "--data-dir", dir.toString(), "-n", "2", "--format", "jsonl")).isEqualTo(0);
    assertThat(out.toString().strip().split("\n")).hasSize(2);
    assertThat(out.toString()).contains("\"seq\":5", "\"seq\":6");
  }

  @Test
  void pubkeyPrintsThePemPublicKeyFromTheDataDirectory() {
    assertThat(run("pubkey", "--data-dir", dir.toString())).isEqualTo(0);
    assertThat(out.toString()).startsWith("-----BEGIN PUBLIC KEY-----").contains("-----END PUBLIC KEY-----");
  }
}
