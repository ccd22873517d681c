package dev.bastion.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.jsonrpc.JsonRpcCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * The character scans of {@link WireHeaders} against the regular expressions they replaced (kept
 * here as the oracle): the same verdict for edge cases and for many random strings drawn from the
 * characters that matter (hex digits, dashes, token punctuation, quotes, controls, Latin-1, CJK).
 */
class WireHeadersTest {
  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final Pattern TRACESTATE = Pattern.compile("[\\x20-\\x7e&&[^\"]]{1,512}");
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
  private static final Pattern ENCODED_HEADER = Pattern.compile("^=\\?base64\\?.*\\?=$");
  private static final String VALID_TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void traceparentMatchesTheOldPatternExactly() {
    List<String> cases = new ArrayList<>(List.of(VALID_TP, "", "00", VALID_TP + "0", VALID_TP.substring(1), VALID_TP.toUpperCase(),
        VALID_TP.replace('-', '_'), VALID_TP.replace("01", "0g"), "ff-ffffffffffffffffffffffffffffffff-ffffffffffffffff-ff",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0\n"));
    Random random = new Random(8);
    for (int i = 0; i < 20_000; i++) {
      char[] c = VALID_TP.toCharArray();
      for (int k = random.nextInt(3); k >= 0; k--) {
        c[random.nextInt(c.length)] = "0123456789abcdefABCDEFg-_ \n\u00e9".charAt(random.nextInt(27));
      }
      cases.add(new String(c));
    }
    for (String s : cases) {
      assertThat(WireHeaders.isTraceparent(s)).as(s).isEqualTo(TRACEPARENT.matcher(s).matches());
    }
  }

  @Test
  void tracestateHeaderNameAndEncodedFormMatchTheOldPatternsExactly() {
    String alphabet = "az09=,;-_*/@ \t\"'\n\r\u007f\u0080\u00ff\u2028\u65e5?!#$%&+.^`|~";
    Random random = new Random(9);
    List<String> cases = new ArrayList<>(List.of("", " ", "x".repeat(512), "x".repeat(513), "=?base64?", "=?base64??=", "=?base64?abc?=",
        "=?base64?a\nb?=", "=?base64?=", "=?BASE64?abc?=", "x=?base64?abc?="));
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder(random.nextBoolean() ? "=?base64?" : "");
      for (int k = random.nextInt(12); k > 0; k--) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      if (random.nextBoolean()) {
        b.append("?=");
      }
      cases.add(b.toString());
    }
    for (String s : cases) {
      assertThat(WireHeaders.isTracestate(s)).as("tracestate %s", s).isEqualTo(TRACESTATE.matcher(s).matches());
      assertThat(WireHeaders.isToken(s)).as("token %s", s).isEqualTo(HEADER_NAME.matcher(s).matches());
      assertThat(WireHeaders.headerValue(s)).as("Mcp-Name %s", s).isEqualTo(oldHeaderValue(s));
    }
  }

  @Test
  void onlyAWellFormedTraceContextIsRepeated() {
    ObjectNode params = JsonRpcCodec.nodes().objectNode();
    assertThat(WireHeaders.traceHeaders(params)).isEqualTo(WireHeaders.Trace.NONE);
    params.putObject("_meta").put("traceparent", VALID_TP).put("tracestate", "k=v");
    assertThat(WireHeaders.traceHeaders(params)).isEqualTo(new WireHeaders.Trace(VALID_TP, "k=v"));
    ((ObjectNode) params.get("_meta")).put("tracestate", "k=v\r\nX-Injected: 1");
    assertThat(WireHeaders.traceHeaders(params)).isEqualTo(new WireHeaders.Trace(VALID_TP, null));
    ((ObjectNode) params.get("_meta")).put("traceparent", VALID_TP + "\r\nX-Injected: 1");
    assertThat(WireHeaders.traceHeaders(params)).isEqualTo(WireHeaders.Trace.NONE);
  }

  @Test
  void sessionIdsAreVisibleAsciiOfBoundedLength() {
    assertThat(WireHeaders.sessionId("abc-123")).isEqualTo("abc-123");
    assertThat(WireHeaders.sessionId("a b")).isNull();
    assertThat(WireHeaders.sessionId("a\u00e9")).isNull();
    assertThat(WireHeaders.sessionId("x".repeat(1024))).hasSize(1024);
    assertThat(WireHeaders.sessionId("x".repeat(1025))).isNull();
  }

  /** HttpUpstream.headerValue as it was, with the regular expression. */
  private static String oldHeaderValue(String value) {
    boolean plain = !value.isEmpty() && !ENCODED_HEADER.matcher(value).matches()
        && value.charAt(0) != ' ' && value.charAt(0) != '\t'
        && value.charAt(value.length() - 1) != ' ' && value.charAt(value.length() - 1) != '\t';
    for (int i = 0; plain && i < value.length(); i++) {
      char c = value.charAt(i);
      plain = c >= 0x20 && c <= 0x7E;
    }
    return plain ? value : "=?base64?" + java.util.Base64.getEncoder().encodeToString(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "?=";
  }
}
