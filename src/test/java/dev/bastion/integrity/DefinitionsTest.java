package dev.bastion.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class DefinitionsTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void hashIsStableAcrossKeyOrderAndWhitespace() {
    String a = "{\"name\":\"add\",\"description\":\"Adds.\",\"inputSchema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},\"b\":{\"type\":\"number\"}}}}";
    String b = "{ \"inputSchema\": {\"properties\": {\"b\": {\"type\": \"number\"}, \"a\": {\"type\": \"number\"}}, \"type\": \"object\"},\n \"description\": \"Adds.\", \"name\": \"add\" }";
    assertThat(Definitions.hash(JSON.readTree(a))).isEqualTo(Definitions.hash(JSON.readTree(b))).startsWith("sha256:").hasSize(7 + 64);
  }

  @Test
  void anyChangeInTheDefinitionChangesTheHash() {
    String base = "{\"name\":\"add\",\"description\":\"Adds.\",\"inputSchema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\",\"default\":1}}}}";
    String h = Definitions.hash(JSON.readTree(base));
    assertThat(Definitions.hash(JSON.readTree(base.replace("Adds.", "Adds!")))).isNotEqualTo(h);
    assertThat(Definitions.hash(JSON.readTree(base.replace("\"default\":1", "\"default\":2")))).isNotEqualTo(h);
    assertThat(Definitions.hash(JSON.readTree(base.replace("}}}}", "}}},\"annotations\":{\"destructiveHint\":true}}")))).isNotEqualTo(h);
  }
}
