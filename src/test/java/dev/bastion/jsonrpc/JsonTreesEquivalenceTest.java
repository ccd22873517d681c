package dev.bastion.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The codec's streaming reader and writer against the databind way they replaced ({@code
 * mapper.readTree} + {@code fromTree}, {@code mapper.writeValueAsBytes(toTree(m))}): the same
 * nodes (types included) and the same error codes for every generated body, the same bytes for
 * every generated message. Generated: unicode (astral, controls, line separators, lone surrogates
 * as escapes), escapes, big and odd numbers, nested {@code _meta}, and random mutations.
 */
class JsonTreesEquivalenceTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final JsonRpcCodec codec = new JsonRpcCodec(new JsonRpcLimits(256 * 1024, 24, 4096, 60));

  /** The decoder this class replaced, kept here as the reference. */
  private Object oldDecode(byte[] body) {
    try {
      if (body.length > codec.limits().maxBodyBytes()) {
        return JsonRpcCodes.INVALID_REQUEST;
      }
      JsonNode tree;
      try {
        tree = codec.mapper().readTree(body);
      } catch (tools.jackson.core.JacksonException e) {
        return JsonRpcCodes.PARSE_ERROR;
      }
      return codec.fromTree(tree);
    } catch (JsonRpcException e) {
      return e.code() == JsonRpcCodes.PARSE_ERROR ? (Object) e.code() : e.code() + " id=" + e.id();
    }
  }

  private Object newDecode(byte[] body) {
    try {
      return codec.decode(body);
    } catch (JsonRpcException e) {
      return e.code() == JsonRpcCodes.PARSE_ERROR ? (Object) e.code() : e.code() + " id=" + e.id();
    }
  }

  private byte[] oldEncode(JsonRpcMessage m) {
    return codec.mapper().writeValueAsBytes(codec.toTree(m));
  }

  /** The text written, or the kind of failure (a lone surrogate cannot be written as UTF-8). */
  private static Object outcome(java.util.function.Supplier<byte[]> encode) {
    try {
      return new String(encode.get(), StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  @Test
  void generatedMessagesEncodeToTheSameBytes() {
    Random random = new Random(20261130L);
    int written = 0;
    for (int i = 0; i < 1000; i++) {
      for (JsonRpcMessage m : messages(random)) {
        Object expected = outcome(() -> oldEncode(m));
        assertThat(outcome(() -> codec.encode(m))).isEqualTo(expected);
        written += expected instanceof String ? 1 : 0;
      }
    }
    assertThat(written).isGreaterThan(3500);
  }

  @Test
  void generatedBodiesDecodeToTheSameNodesOrTheSameError() {
    Random random = new Random(7L);
    int decoded = 0;
    for (int i = 0; i < 1000; i++) {
      for (JsonRpcMessage m : messages(random)) {
        if (!(outcome(() -> oldEncode(m)) instanceof String)) {
          continue;
        }
        for (byte[] body : List.of(oldEncode(m), respaced(oldEncode(m), random), escaped(oldEncode(m)))) {
          Object expected = oldDecode(body);
          assertThat(newDecode(body)).as(new String(body, StandardCharsets.UTF_8)).isEqualTo(expected);
          decoded += expected instanceof JsonRpcMessage ? 1 : 0;
        }
      }
    }
    assertThat(decoded).isGreaterThan(8000);
  }

  private static final String MUTATIONS = "{}[]\",:\\0123456789-+.eEtfn u\u00e9\t\n\u0000";

  @Test
  void mutatedBodiesDecodeToTheSameNodesOrTheSameError() {
    Random random = new Random(11L);
    int failures = 0;
    int total = 0;
    for (int i = 0; i < 4000; i++) {
      byte[] body = oldEncode(request(random));
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits; e++) {
        body[random.nextInt(body.length)] = (byte) MUTATIONS.charAt(random.nextInt(MUTATIONS.length()));
      }
      Object expected = oldDecode(body);
      assertThat(newDecode(body)).as(new String(body, StandardCharsets.UTF_8)).isEqualTo(expected);
      failures += expected instanceof JsonRpcMessage ? 0 : 1;
      total++;
    }
    assertThat(failures).isBetween(1, total - 1);
  }

  @Test
  void oddButValidBodiesDecodeTheSame() {
    List<String> bodies =
        List.of(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"a\":1e400,\"b\":-0.0,\"c\":1E-7,\"d\":123456789012345678901234567890}}",
            "{\"jsonrpc\":\"2.0\",\"id\":9223372036854775808,\"method\":\"m\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":-9223372036854775808,\"method\":\"m\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":2147483648,\"method\":\"m\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":\"\\ud800\",\"method\":\"m\\u0000\\u2028\"}",
            "  {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}  ",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} {}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} x",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} ]",
            "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1.0,\"message\":\"x\"}}",
            "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":4294967296,\"message\":\"x\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"error\":{\"code\":-32000,\"message\":\"x\",\"data\":[1,{\"_meta\":{}}]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"a\":{\"a\":1},\"a\":2}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"a\":{\"a\":1},\"b\":2}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"a\":[{\"x\":1,\"y\":2,\"x\":3}]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"a\":[{\"x\":1},{\"x\":1}]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"_meta\":{\"progressToken\":1,\"progress\\u0054oken\":2}}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"\":1,\"\":2}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"m\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"k\":null,\"k\":null}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"x\":" + "[".repeat(23) + "]".repeat(23) + "}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"x\":" + "[".repeat(24) + "]".repeat(24) + "}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + "m".repeat(4097) + "\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":" + "1".repeat(61) + "}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":0." + "1".repeat(61) + "}}",
            "null",
            "",
            "   ",
            "[]",
            "\"x\"",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":NaN}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":01}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{'n':1}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":[1,]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":1,}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":\"a\u0001b\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":\"\\x41\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":/*c*/1}}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":1}",
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"n\":[1}}");
    for (String b : bodies) {
      byte[] body = b.getBytes(StandardCharsets.UTF_8);
      assertThat(newDecode(body)).as(b).isEqualTo(oldDecode(body));
    }
  }

  @Test
  void nodeTypesOfNumbersAreKept() throws Exception {
    JsonRpcMessage.Request r =
        (JsonRpcMessage.Request)
            codec.decode(
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"i\":1,\"l\":4294967296,\"b\":18446744073709551616,\"d\":1.5}}"
                    .getBytes(StandardCharsets.UTF_8));
    assertThat(r.params().get("i").isInt()).isTrue();
    assertThat(r.params().get("l").isLong()).isTrue();
    assertThat(r.params().get("b").isBigInteger()).isTrue();
    assertThat(r.params().get("d").isDouble()).isTrue();
  }

  @Test
  void aBinaryOrPojoNodeFallsBackToTheDatabindWriter() {
    ObjectNode params = NODES.objectNode();
    params.put("bytes", new byte[] {1, 2, 3, (byte) 0xff});
    params.putPOJO("pojo", java.util.Map.of("k", List.of(1, "two")));
    JsonRpcMessage.Request r = new JsonRpcMessage.Request(NODES.numberNode(1), "m", params);
    assertThat(codec.encode(r)).isEqualTo(oldEncode(r));
  }

  // ---------------------------------------------------------------- generators

  private List<JsonRpcMessage> messages(Random random) {
    List<JsonRpcMessage> out = new ArrayList<>();
    out.add(request(random));
    out.add(new JsonRpcMessage.Notification(text(random), random.nextBoolean() ? NODES.objectNode() : params(random)));
    out.add(new JsonRpcMessage.Response(id(random), random.nextInt(5) == 0 ? null : value(random, 0), null));
    out.add(
        new JsonRpcMessage.Response(
            random.nextInt(4) == 0 ? null : id(random),
            null,
            new JsonRpcMessage.ErrorObject(random.nextInt(), random.nextInt(8) == 0 ? null : text(random), random.nextBoolean() ? null : value(random, 1))));
    return out;
  }

  private JsonRpcMessage.Request request(Random random) {
    return new JsonRpcMessage.Request(id(random), text(random), params(random));
  }

  private ObjectNode params(Random random) {
    ObjectNode p = NODES.objectNode();
    p.put("name", "srv__" + text(random));
    p.set("arguments", object(random, 1));
    ObjectNode meta = p.putObject("_meta");
    meta.put("progressToken", random.nextBoolean() ? text(random) : "p-" + random.nextLong());
    meta.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    meta.set("io.modelcontextprotocol/clientCapabilities", object(random, 2));
    meta.putObject("nested").putObject("deeper").set("x", value(random, 3));
    return p;
  }

  private JsonNode id(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> NODES.numberNode(random.nextInt());
      case 1 -> NODES.numberNode(random.nextLong());
      case 2 -> NODES.stringNode(text(random));
      default -> NODES.numberNode((long) random.nextInt(1000));
    };
  }

  private ObjectNode object(Random random, int depth) {
    ObjectNode o = NODES.objectNode();
    int n = random.nextInt(5);
    for (int i = 0; i < n; i++) {
      o.set(text(random) + i, value(random, depth + 1));
    }
    return o;
  }

  private JsonNode value(Random random, int depth) {
    int kind = random.nextInt(depth > 5 ? 11 : 13);
    return switch (kind) {
      case 0 -> NODES.stringNode(text(random));
      case 1 -> NODES.numberNode(random.nextInt());
      case 2 -> NODES.numberNode(random.nextLong());
      case 3 -> NODES.numberNode(new BigInteger(40 + random.nextInt(100), random).negate());
      case 4 -> NODES.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(600) - 300));
      case 5 -> NODES.numberNode(new BigDecimal(new BigInteger(50, random), random.nextInt(40) - 20));
      case 6 -> NODES.numberNode((float) random.nextGaussian());
      case 7 -> NODES.booleanNode(random.nextBoolean());
      case 8 -> NODES.nullNode();
      case 9 -> NODES.numberNode(random.nextBoolean() ? -0.0 : 1e300 * 10);
      case 10 -> NODES.stringNode("");
      case 11 -> object(random, depth);
      default -> {
        ArrayNode a = NODES.arrayNode();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          a.add(value(random, depth + 1));
        }
        yield a;
      }
    };
  }

  private static final String[] PIECES = {
    "a", "Z", "tool", "files__read", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\u0000", "\u001f", "\u007f",
    "\u00e9", "\u2028", "\u2029", "\ufeff", "\uffff", "\ud83d\ude00", "</script>", "${x}", "日本語", "\u0301"
  };

  private String text(Random random) {
    StringBuilder b = new StringBuilder();
    int n = random.nextInt(6);
    for (int i = 0; i < n; i++) {
      // a lone surrogate now and then: valid as a JSON escape, not writable as UTF-8
      b.append(random.nextInt(400) == 0 ? "\ud800" : PIECES[random.nextInt(PIECES.length)]);
    }
    return b.toString();
  }

  /** The same JSON with whitespace between tokens (outside strings). */
  private static byte[] respaced(byte[] json, Random random) {
    StringBuilder b = new StringBuilder();
    String s = new String(json, StandardCharsets.UTF_8);
    boolean inString = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c);
      if (inString) {
        if (c == '\\') {
          b.append(s.charAt(++i));
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if ((c == ',' || c == ':' || c == '{' || c == '[') && random.nextBoolean()) {
        b.append(" \n\t\r".charAt(random.nextInt(4)));
      }
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The same JSON with every non-ASCII character and some letters inside strings written as \\u escapes. */
  private static byte[] escaped(byte[] json) {
    StringBuilder b = new StringBuilder();
    String s = new String(json, StandardCharsets.UTF_8);
    boolean inString = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inString && c == '\\') {
        b.append(c).append(s.charAt(++i));
        continue;
      }
      if (c == '"') {
        inString = !inString;
        b.append(c);
      } else if (inString && (c > 0x7e || c == 'a')) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
