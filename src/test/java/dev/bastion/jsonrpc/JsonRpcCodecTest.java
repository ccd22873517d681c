package dev.bastion.jsonrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonRpcCodecTest {
  private final JsonRpcCodec codec = new JsonRpcCodec(new JsonRpcLimits(64 * 1024, 16, 1000, 50));

  private JsonRpcMessage decode(String s) throws JsonRpcException {
    return codec.decode(s.getBytes(StandardCharsets.UTF_8));
  }

  private int codeOf(String s) {
    try {
      decode(s);
      return 0;
    } catch (JsonRpcException e) {
      return e.code();
    }
  }

  @Test
  void aRequestDecodesWithItsIdMethodAndParams() throws Exception {
    JsonRpcMessage m = decode("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\",\"params\":{\"cursor\":\"x\"}}");
    assertThat(m).isInstanceOf(JsonRpcMessage.Request.class);
    JsonRpcMessage.Request r = (JsonRpcMessage.Request) m;
    assertThat(r.id().asLong()).isEqualTo(7);
    assertThat(r.method()).isEqualTo("tools/list");
    assertThat(r.params().path("cursor").asString()).isEqualTo("x");
  }

  @Test
  void aMessageWithoutIdIsANotificationAndMissingParamsBecomeEmpty() throws Exception {
    JsonRpcMessage m = decode("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    assertThat(m).isInstanceOf(JsonRpcMessage.Notification.class);
    assertThat(((JsonRpcMessage.Notification) m).params().isEmpty()).isTrue();
  }

  @Test
  void invalidJsonIsAParseError() {
    assertThat(codeOf("{\"jsonrpc\":\"2.0\",")).isEqualTo(JsonRpcCodes.PARSE_ERROR);
    assertThat(codeOf("")).isEqualTo(JsonRpcCodes.PARSE_ERROR);
    assertThat(codeOf("{} trailing")).isEqualTo(JsonRpcCodes.PARSE_ERROR);
  }

  @Test
  void duplicateKeysAreRejectedAsParseErrors() {
    assertThat(codeOf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\",\"method\":\"b\"}")).isEqualTo(JsonRpcCodes.PARSE_ERROR);
  }

  @Test
  void nestingBeyondTheLimitIsRejectedWithoutExhaustingTheStack() {
    String deep = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}}";
    assertThat(codeOf(deep)).isEqualTo(JsonRpcCodes.PARSE_ERROR);
  }

  @Test
  void overlongStringsAndNumbersAreRejected() {
    assertThat(codeOf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + "m".repeat(2000) + "\"}")).isEqualTo(JsonRpcCodes.PARSE_ERROR);
    assertThat(codeOf("{\"jsonrpc\":\"2.0\",\"id\":" + "9".repeat(200) + ",\"method\":\"m\"}")).isEqualTo(JsonRpcCodes.PARSE_ERROR);
  }

  @Test
  void invalidUtf8IsAParseError() {
    byte[] bad = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\u00e9\"}".getBytes(StandardCharsets.UTF_8);
    bad[bad.length - 4] = (byte) 0xC3;
    bad[bad.length - 3] = (byte) 0x28;
    assertThatThrownBy(() -> codec.decode(bad)).isInstanceOf(JsonRpcException.class)
        .extracting(e -> ((JsonRpcException) e).code()).isEqualTo(JsonRpcCodes.PARSE_ERROR);
  }

  @Test
  void bodiesOverTheSizeLimitAreRejectedBeforeParsing() {
    byte[] big = new byte[64 * 1024 + 1];
    assertThatThrownBy(() -> codec.decode(big)).isInstanceOf(JsonRpcException.class)
        .extracting(e -> ((JsonRpcException) e).code()).isEqualTo(JsonRpcCodes.INVALID_REQUEST);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\"}]",
        "42",
        "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"a\"}",
        "{\"id\":1,\"method\":\"a\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"a\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"a\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"a\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\",\"params\":[1,2]}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\",\"result\":{}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{\"code\":1,\"message\":\"x\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\",\"extra\":true}"
      })
  void structurallyInvalidMessagesAreInvalidRequests(String text) {
    assertThat(codeOf(text)).isEqualTo(JsonRpcCodes.INVALID_REQUEST);
  }

  @Test
  void theIdOfAnInvalidRequestIsKeptForTheErrorResponseWhenReadable() {
    try {
      decode("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"a\",\"params\":7}");
    } catch (JsonRpcException e) {
      assertThat(e.id().asString()).isEqualTo("abc");
      return;
    }
    throw new AssertionError("expected an exception");
  }

  @Test
  void encodeThenDecodeRoundTripsAnError() throws Exception {
    byte[] bytes = codec.encode(JsonRpcCodec.error(JsonRpcCodec.nodes().numberNode(3), -32601, "nope", null));
    JsonRpcMessage.Response r = (JsonRpcMessage.Response) codec.decode(bytes);
    assertThat(r.error().code()).isEqualTo(-32601);
    assertThat(r.id().asInt()).isEqualTo(3);
  }

  @Test
  void randomMutationsOfAValidMessageNeverEscapeAsUncheckedExceptions() {
    byte[] seed = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"a\",\"arguments\":{\"x\":[1,2,{\"y\":\"z\"}]}}}"
        .getBytes(StandardCharsets.UTF_8);
    Random random = new Random(20261122L);
    int decoded = 0;
    for (int i = 0; i < 5000; i++) {
      byte[] m = seed.clone();
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits; e++) {
        m[random.nextInt(m.length)] = (byte) random.nextInt(256);
      }
      try {
        codec.decode(m);
        decoded++;
      } catch (JsonRpcException expected) {
        assertThat(expected.code()).isIn(JsonRpcCodes.PARSE_ERROR, JsonRpcCodes.INVALID_REQUEST);
      }
    }
    assertThat(decoded).isLessThan(5000);
  }
}
