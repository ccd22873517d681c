package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.pipeline.Finding;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hash is computed from {@link AuditRecord#contentText}, written field by field; it must be
 * exactly the canonical JSON of {@link AuditRecord#contentJson()} (the documented definition), for
 * either record format and whatever the fields hold.
 */
class AuditRecordContentTest {
  private static final String[] TEXT = {"", "a", "fs", "tools/call", "ümlaut", "日本語", "emoji \uD83D\uDE00",
      "lone \uD800 surrogate", "tail \uDC00", "quote \" and \\ backslash", "ctl \u0000\u0001\u001f\n\t", "</script>",
      "a/b", "\u2028\u2029", "{\"json\":[1,2]}", "x".repeat(300)};

  private static String text(Random rnd, boolean nullable) {
    if (nullable && rnd.nextInt(4) == 0) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    for (int i = rnd.nextInt(3); i >= 0; i--) {
      b.append(TEXT[rnd.nextInt(TEXT.length)]);
    }
    return b.toString();
  }

  static List<String> texts(Random rnd) {
    List<String> out = new ArrayList<>();
    for (int i = rnd.nextInt(4); i > 0; i--) {
      out.add(text(rnd, false));
    }
    return out;
  }

  static AuditRecord random(Random rnd) {
    int format = rnd.nextBoolean() ? 1 : AuditRecord.FORMAT;
    List<Finding> findings = new ArrayList<>();
    if (format == AuditRecord.FORMAT) {
      for (int i = rnd.nextInt(3); i > 0; i--) {
        findings.add(new Finding(text(rnd, false), text(rnd, false), text(rnd, false), text(rnd, false), text(rnd, false)));
      }
    }
    Instant time = Instant.ofEpochSecond(rnd.nextInt(2_000_000_000), rnd.nextInt(1_000_000_000));
    return new AuditRecord(0, time, text(rnd, false), text(rnd, false), text(rnd, true), text(rnd, true),
        text(rnd, false), text(rnd, true), text(rnd, false), text(rnd, false), text(rnd, false), text(rnd, false),
        text(rnd, false), AuditRecord.Effect.values()[rnd.nextInt(4)], texts(rnd), text(rnd, true),
        rnd.nextBoolean() ? null : (long) rnd.nextInt(100_000) - 5, text(rnd, true), text(rnd, true), texts(rnd),
        text(rnd, true), format, findings, null, null);
  }

  /** The hash by its documented definition, from the JSON tree. */
  private static String treeHash(AuditRecord r) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(HexFormat.of().parseHex(r.prevHash() == null ? AuditRecord.GENESIS_HASH : r.prevHash()));
    sha.update(CanonicalJson.write(r.contentJson()).getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(sha.digest());
  }

  @Test
  void theFieldByFieldTextIsTheCanonicalJsonOfTheContentTree() throws Exception {
    Random rnd = new Random(20261130);
    String prev = AuditRecord.GENESIS_HASH;
    for (int seq = 1; seq <= 3000; seq++) {
      AuditRecord unchained = random(rnd);
      AuditRecord r = unchained.chain(seq, prev);
      assertThat(r.contentText(r.seq(), r.prevHash())).isEqualTo(CanonicalJson.write(r.contentJson()));
      assertThat(r.hash()).isEqualTo(treeHash(r)).isEqualTo(r.computeHash());
      assertThat(unchained.contentText(0, null)).isEqualTo(CanonicalJson.write(unchained.contentJson()));
      prev = r.hash();
    }
  }

  @Test
  void theFixtureRecordsHashAsBefore() throws Exception {
    AuditRecord r = Fixtures.record().chain(7, "ab".repeat(32));
    assertThat(r.hash()).isEqualTo(treeHash(r));
  }
}
