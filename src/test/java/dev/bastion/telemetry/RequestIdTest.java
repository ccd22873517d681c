package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.jsonrpc.JsonRpcCodec;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The server span's {@code jsonrpc.request.id}: an integer id is recorded as its digits, written
 * without Jackson's serializer; pinned to the text Jackson writes for the same node (the form
 * recorded before), for ints, longs and integers beyond a long, and ids as parsed from the wire.
 */
class RequestIdTest {
  @Test
  void integerIdsAreTheirJsonDigits() {
    var nodes = JsonRpcCodec.nodes();
    List<JsonNode> ids = new java.util.ArrayList<>(List.of(
        nodes.numberNode(0), nodes.numberNode(7), nodes.numberNode(-42), nodes.numberNode(Integer.MAX_VALUE), nodes.numberNode(Integer.MIN_VALUE),
        nodes.numberNode(Long.MAX_VALUE), nodes.numberNode(Long.MIN_VALUE), nodes.numberNode(new BigInteger("123456789012345678901234567890")),
        nodes.numberNode(new BigInteger("-98765432109876543210"))));
    for (String wire : List.of("1", "-1", "9007199254740993", "18446744073709551616", "-18446744073709551616")) {
      ids.add(parse(wire));
    }
    for (JsonNode id : ids) {
      assertThat(id.isIntegralNumber()).as(id.getClass().getSimpleName()).isTrue();
      assertThat(ServerSpanStage.requestId(id)).as(id.getClass().getSimpleName()).isEqualTo(id.toString());
    }
  }

  @Test
  void integerIdsLongerThan64DigitsAreClipped() {
    JsonNode huge = JsonRpcCodec.nodes().numberNode(new BigInteger("1".repeat(80)));
    assertThat(ServerSpanStage.requestId(huge)).isEqualTo("1".repeat(64) + "…");
  }

  private static JsonNode parse(String number) {
    return new tools.jackson.databind.ObjectMapper().readTree(number);
  }
}
