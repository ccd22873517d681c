package dev.bastion.audit;

import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one JSON form that audit digests and hashes are computed over, so that the same value always
 * hashes the same whatever order its keys arrived in.
 *
 * <ul>
 *   <li>object keys sorted by {@link String#compareTo} (UTF-16 code units, as RFC 8785 does);
 *   <li>no whitespace between tokens;
 *   <li>strings escaped by Jackson's standard JSON escaping (UTF-8 output);
 *   <li>integral numbers written as plain decimal integers of any size; other numbers as the
 *       shortest {@link BigDecimal} form with trailing zeros stripped ({@code 1.50 → 1.5},
 *       {@code 2.0 → 2}, {@code 1e300 → 1E+300}).
 * </ul>
 *
 * This is deliberately close to, but not claimed to be, RFC 8785 (JCS): number formatting differs
 * for very large and very small floating-point values. It is deterministic for every value a
 * Jackson tree can hold, which is what a hash chain needs.
 */
public final class CanonicalJson {
  static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final HexFormat HEX = HexFormat.of();

  private CanonicalJson() {}

  /** The canonical text of {@code node} ({@code null} is written as JSON {@code null}). */
  public static String write(JsonNode node) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = MAPPER.createGenerator(out)) {
      writeNode(g, node);
    }
    return out.toString();
  }

  /** The text {@code body} writes with a canonical generator (callers keep the canonical rules). */
  static String write(Consumer<JsonGenerator> body) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = MAPPER.createGenerator(out)) {
      body.accept(g);
    }
    return out.toString();
  }

  /** SHA-256 of the canonical text's UTF-8 bytes, as 64 lower-case hex digits. */
  public static String sha256Hex(JsonNode node) {
    return sha256Hex(write(node).getBytes(StandardCharsets.UTF_8));
  }

  static String sha256Hex(byte[] bytes) {
    return HEX.formatHex(sha256().digest(bytes));
  }

  static MessageDigest sha256() {
    try {
      return (MessageDigest) SHA256.clone(); // cheaper than a provider look-up per digest
    } catch (CloneNotSupportedException e) {
      return newSha256();
    }
  }

  private static final MessageDigest SHA256 = newSha256();

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  static void writeNode(JsonGenerator g, JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      g.writeNull();
      return;
    }
    switch (node.getNodeType()) {
      case OBJECT -> {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(node.properties());
        entries.sort(Map.Entry.comparingByKey());
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> e : entries) {
          g.writeName(e.getKey());
          writeNode(g, e.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode element : node.values()) {
          writeNode(g, element);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(node.stringValue());
      case BOOLEAN -> g.writeBoolean(node.booleanValue());
      case NUMBER -> g.writeNumber(number(node));
      case BINARY, POJO -> g.writeString(node.asString());
      case NULL, MISSING -> g.writeNull();
    }
  }

  private static String number(JsonNode node) {
    if (node.isIntegralNumber()) {
      return node.bigIntegerValue().toString();
    }
    if (node.isDouble() || node.isFloat()) {
      double d = node.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return "null";
      }
    }
    BigDecimal d = node.decimalValue().stripTrailingZeros();
    if (d.scale() <= 0 && d.precision() - d.scale() <= 64) {
      return d.toBigIntegerExact().toString();
    }
    return d.toString();
  }
}
