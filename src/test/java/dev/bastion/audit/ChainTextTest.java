package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The writer chains records from text rendered on the callers' threads ({@link ChainText}); each
 * chained record must be exactly what {@link AuditRecord#chain} gives (same hash, same fields),
 * whatever the record holds and wherever it is placed.
 */
class ChainTextTest {

  private static String randomHash(Random rnd) {
    byte[] b = new byte[32];
    rnd.nextBytes(b);
    return switch (rnd.nextInt(6)) {
      case 0 -> AuditRecord.GENESIS_HASH;
      case 1 -> HexFormat.of().formatHex(b).toUpperCase(Locale.ROOT);
      case 2 -> "not a hash \" \\ \uD800"; // never written by the log: falls back to AuditRecord.chain
      case 3 -> HexFormat.of().formatHex(b).substring(2); // 62 digits
      default -> HexFormat.of().formatHex(b);
    };
  }

  private static long randomSeq(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> 1;
      case 1 -> Long.MAX_VALUE - rnd.nextInt(10);
      default -> 1 + rnd.nextInt(Integer.MAX_VALUE);
    };
  }

  @Test
  void chainingFromTheRenderedTextGivesTheSameRecordAsChainingTheRecord() {
    Random rnd = new Random(20261201);
    for (int i = 0; i < 3000; i++) {
      AuditRecord r = AuditRecordContentTest.random(rnd);
      ChainText text = ChainText.of(r);
      long seq = randomSeq(rnd);
      String prev = randomHash(rnd);
      AuditRecord fast = text.chain(seq, prev);
      assertThat(fast).isEqualTo(r.chain(seq, prev));
      assertThat(fast.hash()).isEqualTo(fast.computeHash());
    }
  }

  @Test
  void aChainBuiltFromRenderedTextsVerifies() {
    Random rnd = new Random(7);
    String prev = AuditRecord.GENESIS_HASH;
    List<AuditRecord> chain = new ArrayList<>();
    for (long seq = 1; seq <= 200; seq++) {
      AuditRecord c = ChainText.of(AuditRecordContentTest.random(rnd)).chain(seq, prev);
      assertThat(c.prevHash()).isEqualTo(prev);
      chain.add(c);
      prev = c.hash();
    }
    for (AuditRecord c : chain) {
      assertThat(c.computeHash()).isEqualTo(c.hash());
    }
  }

  @Test
  void listColumnsAreWhatJacksonWrites() {
    Random rnd = new Random(11);
    List<List<String>> cases = new ArrayList<>(List.of(List.of(), List.of("default"), List.of("a", "b-1", "x.y/z"),
        List.of("quote\"d"), List.of("back\\slash"), List.of("ctl\u0001"), List.of("del\u007f"), List.of("é"),
        List.of("tab\t"), List.of(" spaced ", "<html>&'")));
    for (int i = 0; i < 2000; i++) {
      cases.add(AuditRecordContentTest.texts(rnd));
    }
    for (List<String> items : cases) {
      assertThat(SqliteAuditStore.jsonList(items)).isEqualTo(SqliteAuditStore.jacksonList(items));
    }
  }
}
