package dev.bastion.integrity;

import dev.bastion.audit.CanonicalJson;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A tool's full definition as pinned: everything the server listed for it (name, title,
 * description, input and output schema, annotations, _meta), hashed over its canonical JSON so the
 * hash does not depend on key order or whitespace.
 */
final class Definitions {
  static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private Definitions() {}

  /** {@code sha256:<64 hex>} of the canonical JSON of the definition. */
  static String hash(JsonNode definition) {
    return "sha256:" + CanonicalJson.sha256Hex(definition);
  }

  /** The definition with its keys in canonical (sorted) order, as a tree. */
  static ObjectNode canonical(JsonNode definition) {
    return (ObjectNode) MAPPER.readTree(CanonicalJson.write(definition));
  }

  /** Pretty-printed canonical JSON, for diffs. */
  static String pretty(JsonNode definition) {
    return definition == null ? "" : MAPPER.writeValueAsString(canonical(definition));
  }

  static String shortHash(String hash) {
    String h = hash.startsWith("sha256:") ? hash.substring("sha256:".length()) : hash;
    return h.substring(0, Math.min(12, h.length()));
  }
}
