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
    }
  }
}
