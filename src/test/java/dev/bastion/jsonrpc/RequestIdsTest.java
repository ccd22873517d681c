package dev.bastion.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

class RequestIdsTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  @Test
  void theKeyIsTheNodesJsonText() {
    Random random = new Random(5L);
    String alphabet = "aZ09 -_:/\"\\\u0000\u001f\u007f\u00e9\u2028\ud83d\ude00";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      for (int n = random.nextInt(8); n > 0; n--) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      for (JsonNode id :
          List.of(
              NODES.stringNode(b.toString()),
              NODES.numberNode(random.nextInt()),
              NODES.numberNode(random.nextLong()),
              NODES.numberNode(new BigInteger(70, random)),
              NODES.numberNode(random.nextDouble()),
              NODES.booleanNode(random.nextBoolean()),
              NODES.nullNode())) {
        assertThat(RequestIds.key(id)).isEqualTo(id.toString());
      }
    }
  }

  @Test
  void aStringThatSpellsANumberIsAnotherKey() {
    Set<String> keys = new HashSet<>();
    for (JsonNode id : List.of(NODES.numberNode(7), NODES.stringNode("7"), NODES.stringNode("\"7\""), NODES.stringNode(""), NODES.numberNode(-7))) {
      assertThat(keys.add(RequestIds.key(id))).as(id.toString()).isTrue();
    }
    assertThat(RequestIds.key(NODES.numberNode(7L))).isEqualTo(RequestIds.key(NODES.numberNode(7)));
  }
}
