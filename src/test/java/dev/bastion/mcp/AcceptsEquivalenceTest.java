package dev.bastion.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The allocation-free Accept check answers as the lower-case-then-contains check it replaced. */
class AcceptsEquivalenceTest {

  /** The former McpEndpoint.accepts, verbatim. */
  private static boolean lowerCased(String accept, String type) {
    if (accept == null) {
      return false;
    }
    String a = accept.toLowerCase(Locale.ROOT);
    return a.contains(type) || a.contains("*/*");
  }

  private static final String[] PIECES = {
    "application/json", "APPLICATION/JSON", "Application/Json", "text/event-stream", "TEXT/EVENT-STREAM", "text/*", "*/*",
    "*/ *", ", ", ";q=0.9", " ", "applİcation/json", "text/event-stream\u212a", "\u212aelvin", "\u0130", "ı", "ſ", "é", "/",
    "*", "json", "application", "event-", "STREAM", "x",
  };

  @Test
  void sameAnswerForRandomHeaders() {
    Random r = new Random(5);
    for (int i = 0; i < 100_000; i++) {
      StringBuilder b = new StringBuilder();
      for (int k = r.nextInt(5); k > 0; k--) {
        String p = PIECES[r.nextInt(PIECES.length)];
        if (r.nextInt(4) == 0 && p.length() > 1) {
          p = p.substring(r.nextInt(p.length())); // a fragment
        }
        b.append(p);
      }
      String accept = b.toString();
      for (String type : new String[] {"application/json", "text/event-stream"}) {
        assertThat(McpEndpoint.accepts(accept, type)).as("%s / %s", accept, type).isEqualTo(lowerCased(accept, type));
      }
    }
    assertThat(McpEndpoint.accepts(null, "application/json")).isFalse();
  }
}
