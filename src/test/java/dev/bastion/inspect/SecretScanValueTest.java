package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SecretScanValueTest {
  /** The value start read from the bytes is the one the string search gave (last '=' or ':', none if it ends the token). */
  @Test
  void valueFromIsTheStringSearchOverTheBytes() {
    Random r = new Random(13L);
    String alphabet = "ab=:Z09_-/.";
    for (int iteration = 0; iteration < 50_000; iteration++) {
      StringBuilder sb = new StringBuilder();
      int len = 1 + r.nextInt(12);
      for (int k = 0; k < len; k++) {
        sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
      }
      String pad = "x ".repeat(r.nextInt(3));
      String text = pad + sb + " y";
      String token = sb.toString();
      int sep = Math.max(token.lastIndexOf('='), token.lastIndexOf(':'));
      int expected = sep >= 0 && sep < token.length() - 1 ? sep + 1 : 0;
      assertThat(SecretScan.valueFrom(AsciiBytes.of(text), pad.length(), pad.length() + token.length())).as(token).isEqualTo(expected);
    }
  }
}
