package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class CanonicalJsonTest {

  private static JsonNode parse(String json) {
    return CanonicalJson.MAPPER.readTree(json);
  }

  @Test
  void keysAreSortedAtEveryLevelAndWhitespaceIsRemoved() {
    assertThat(CanonicalJson.write(parse("{ \"b\": [ {\"z\":1, \"a\":2} ], \"a\" : \"x y\" }")))
        .isEqualTo("{\"a\":\"x y\",\"b\":[{\"a\":2,\"z\":1}]}");
  }

  @Test
  void theSameValueWithKeysInAnotherOrderHasTheSameDigest() {
    assertThat(CanonicalJson.sha256Hex(parse("{\"a\":1,\"b\":{\"c\":true,\"d\":null}}")))
        .isEqualTo(CanonicalJson.sha256Hex(parse("{\"b\":{\"d\":null,\"c\":true},\"a\":1}")))
        .hasSize(64);
  }

  @Test
  void differentValuesHaveDifferentDigests() {
    assertThat(CanonicalJson.sha256Hex(parse("{\"a\":1}"))).isNotEqualTo(CanonicalJson.sha256Hex(parse("{\"a\":2}")));
  }

  @Test
  void numbersAreWrittenInOneFormWhateverTheirSpelling() {
    assertThat(CanonicalJson.write(parse("[1.50, 2.0, 12345678901234567890123, -0.001, 1e3]")))
        .isEqualTo("[1.5,2,12345678901234567890123,-0.001,1000]");
  }

  @Test
  void stringsAreEscapedAsJson() {
    assertThat(CanonicalJson.write(parse("{\"k\":\"line\\nquote\\\" tab\\t \\u0001\"}")))
        .isEqualTo("{\"k\":\"line\\nquote\\\" tab\\t \\u0001\"}");
  }

  @Test
  void theDigestIsSha256OfTheCanonicalUtf8Text() {
    // SHA-256 of the 7 bytes {"a":1}
    assertThat(CanonicalJson.sha256Hex(parse("{ \"a\" : 1 }")))
        .isEqualTo("015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862");
  }
}
