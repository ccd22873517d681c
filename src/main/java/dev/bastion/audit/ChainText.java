package dev.bastion.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * An unchained record's hash input, rendered before the writer gives the record its place. The
 * canonical content ({@link AuditRecord#contentText}) depends on the place only through the {@code
 * prevHash} and {@code seq} values, so it is rendered once with placeholders and kept as three
 * UTF-8 pieces around them. {@link AuditLog#append} builds it on the caller's thread; the writer
 * thread, which chains records one after another, then only feeds SHA-256:
 *
 * <pre>SHA-256( bytes(prevHash) || head || "prevHash" || middle || seq || tail )</pre>
 *
 * which is byte for byte the input of {@link AuditRecord#chain} ({@code ChainTextTest} compares
 * both over random records). A {@code prevHash} that is not 64 hex digits (never written by the
 * log itself) takes {@link AuditRecord#chain} instead.
 */
final class ChainText {
  private static final HexFormat HEX = HexFormat.of();

  private final AuditRecord record;
  private final byte[] head;
  private final byte[] middle;
  private final byte[] tail;

  private ChainText(AuditRecord record, byte[] head, byte[] middle, byte[] tail) {
    this.record = record;
    this.head = head;
    this.middle = middle;
    this.tail = tail;
  }

  /** Renders {@code record}'s content around its (future) place. */
  static ChainText of(AuditRecord record) {
    int[] marks = new int[4];
    String text = record.render(1, AuditRecord.GENESIS_HASH, marks);
    // the generator writes a name's ':' together with its value
    int valueStart = afterColon(text, marks[0]);
    int seqStart = afterColon(text, marks[2]);
    // the cuts are next to JSON punctuation (':' and ','), never inside a surrogate pair, so the
    // pieces' UTF-8 bytes are exactly the whole text's bytes
    return new ChainText(record, utf8(text.substring(0, valueStart)), utf8(text.substring(marks[1], seqStart)),
        utf8(text.substring(marks[3])));
  }

  private static int afterColon(String text, int at) {
    if (text.charAt(at) != ':') {
      throw new IllegalStateException("unexpected canonical text around offset " + at);
    }
    return at + 1;
  }

  AuditRecord record() {
    return record;
  }

  /** The record placed at {@code seq} after a record whose hash is {@code prevHash}: {@link AuditRecord#chain}. */
  AuditRecord chain(long seq, String prevHash) {
    if (seq < 1 || !isHex64(prevHash)) {
      return record.chain(seq, prevHash);
    }
    MessageDigest sha = CanonicalJson.sha256();
    sha.update(HEX.parseHex(prevHash));
    sha.update(head);
    byte[] quoted = new byte[66];
    quoted[0] = '"';
    for (int i = 0; i < 64; i++) {
      quoted[i + 1] = (byte) prevHash.charAt(i);
    }
    quoted[65] = '"';
    sha.update(quoted);
    sha.update(middle);
    sha.update(Long.toString(seq).getBytes(StandardCharsets.US_ASCII));
    sha.update(tail);
    return record.withChain(seq, prevHash, HEX.formatHex(sha.digest()));
  }

  private static boolean isHex64(String s) {
    if (s == null || s.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    return true;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
