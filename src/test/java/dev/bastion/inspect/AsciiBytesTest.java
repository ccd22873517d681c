package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AsciiBytesTest {
  /** Every character maps to itself if ASCII, else to a negative byte; the plain check agrees with the canonicaliser's. */
  @Test
  void asciiIsKeptAndEverythingElseIsNegative() {
    Random r = new Random(11L);
    String[] alphabet = {"a", "Z", "?", "??", "\n", "\t", "\r", "\u001b", "\u007f", "\u0000", "é", "\u00ff", "\u0100", "\u2014",
        "\u200b", "😀", "\ud83d", "\ude00", " ", "~", "0123456789abcdef"};
    for (int iteration = 0; iteration < 20_000; iteration++) {
      StringBuilder sb = new StringBuilder();
      int pieces = r.nextInt(40);
      boolean onlyPlain = r.nextBoolean();
      for (int p = 0; p < pieces; p++) {
        String piece = alphabet[r.nextInt(alphabet.length)];
        sb.append(onlyPlain && !Canonicalizer.isPlainAscii(piece) ? "x" : piece);
      }
      String s = sb.toString();
      byte[] a = AsciiBytes.of(s);
      assertThat(a).as(s).hasSize(s.length());
      for (int k = 0; k < a.length; k++) {
        char c = s.charAt(k);
        if (c < 0x80) {
          assertThat(a[k]).as("%s at %d", s, k).isEqualTo((byte) c);
        } else {
          assertThat(a[k]).as("%s at %d", s, k).isNegative();
        }
        assertThat(AsciiBytes.isLetterOrDigit(s, a, k)).isEqualTo(Character.isLetterOrDigit(c));
      }
      assertThat(AsciiBytes.isPlain(a)).as(s).isEqualTo(Canonicalizer.isPlainAscii(s));
      assertPlainOrNull(s);
    }
  }

  /** The one-pass check agrees with {@link AsciiBytes#of} plus {@link AsciiBytes#isPlain}, also when one character above U+00FF hides among '?'s. */
  @Test
  void plainOrNullIsOfAndIsPlainInOnePass() {
    Random r = new Random(12L);
    String[] plain = {"a", "?", "??", "\n", "\t", " ", "https://x.example/?q=1", "0123456789abcdef"};
    String[] stranger = {"\u0100", "\u2014", "\ud83d", "\ude00", "😀", "é", "\u007f", "\u0000"};
    for (int iteration = 0; iteration < 20_000; iteration++) {
      StringBuilder sb = new StringBuilder();
      int pieces = r.nextInt(60);
      for (int p = 0; p < pieces; p++) {
        sb.append(plain[r.nextInt(plain.length)]);
      }
      if (r.nextBoolean()) {
        sb.insert(r.nextInt(sb.length() + 1), stranger[r.nextInt(stranger.length)]);
      }
      assertPlainOrNull(sb.toString());
    }
  }

  private static void assertPlainOrNull(String s) {
    byte[] p = AsciiBytes.plainOrNull(s);
    if (Canonicalizer.isPlainAscii(s)) {
      assertThat(p).as(s).isEqualTo(AsciiBytes.of(s));
    } else {
      assertThat(p).as(s).isNull();
    }
  }
}
