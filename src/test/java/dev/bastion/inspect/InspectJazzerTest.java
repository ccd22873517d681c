package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer fuzz test of the firewall's text path: canonicalising and scanning any text (as a tool
 * argument or result would carry it) returns a result and never throws. Regression mode under
 * Surefire runs the seed corpus in {@code src/test/resources/dev/bastion/inspect/InspectJazzerTestInputs/};
 * {@code JAZZER_FUZZ=1} fuzzes.
 */
class InspectJazzerTest {
  private static final Scanner SCANNER = Scanner.standard();

  @FuzzTest(maxDuration = "60s")
  void canonicalisingAndScanningAnyTextNeverThrows(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    Canonicalizer.Canonical canonical = Canonicalizer.canonicalize(text);
    assertThat(canonical.text()).isNotNull();
    Scanner.Result result = SCANNER.inspect(text);
    assertThat(result.hits()).isNotNull();
    assertThat(SCANNER.scan(text)).isNotNull();
  }
}
