package dev.bastion.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The hand-assembled JSON access line is the text the Jackson generator it replaced wrote, for
 * random field values (control characters, quotes, backslashes, non-ASCII and lone surrogates
 * included), and its timestamp is {@link Instant#toString()}.
 */
class AccessLineEquivalenceTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The former AccessLogStage JSON branch, verbatim apart from reading the fields from the record. */
  private static String generatorLine(AccessLogStage.JsonFields f) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringProperty("ts", f.ts().toString());
      g.writeStringProperty("logger", "bastion.access");
      g.writeStringProperty("exchange", f.exchange());
      if (f.traceId() != null) {
        g.writeStringProperty("trace_id", f.traceId());
        g.writeStringProperty("span_id", f.spanId());
      }
      g.writeStringProperty("agent", f.agent());
      g.writeStringProperty("era", f.era());
      g.writeStringProperty("method", f.method());
      if (f.target() != null) {
        g.writeStringProperty("server", f.server());
        g.writeStringProperty("target", f.target());
      }
      if (f.decision() != null) {
        g.writeStringProperty("decision", f.decision());
      }
      g.writeStringProperty("outcome", f.outcome());
      if (f.reason() != null) {
        g.writeStringProperty("reason", f.reason());
      }
      if (f.code() != null) {
        g.writeNumberProperty("code", f.code().intValue());
      }
      if (!f.rules().isEmpty()) {
        g.writeArrayPropertyStart("rules");
        for (String r : f.rules()) {
          g.writeString(r);
        }
        g.writeEndArray();
      }
      if (f.upstreamMs() != null) {
        g.writeNumberProperty("upstream_ms", f.upstreamMs());
      }
      g.writeNumberProperty("duration_ms", f.durationMs());
      g.writeEndObject();
    }
    return out.toString();
  }

  private static String text(Random r) {
    int n = r.nextInt(40);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      switch (r.nextInt(8)) {
        case 0 -> b.append((char) r.nextInt(0x20)); // control characters
        case 1 -> b.append("\"\\/".charAt(r.nextInt(3)));
        case 2 -> b.append((char) (0x7f + r.nextInt(0x100))); // DEL, C1 controls, Latin-1
        case 3 -> b.append((char) (0xd800 + r.nextInt(0x800))); // lone surrogates
        case 4 -> b.appendCodePoint(0x1f600 + r.nextInt(50)); // pairs
        case 5 -> b.append((char) (0x2028 + r.nextInt(2)));
        default -> b.append((char) (0x20 + r.nextInt(0x5f)));
      }
    }
    return b.toString();
  }

  private static Instant instant(Random r) {
    long second = switch (r.nextInt(4)) {
      case 0 -> r.nextLong(-62_167_219_200L, 253_402_300_799L); // years 0000-9999
      case 1 -> r.nextLong(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond()); // signed, 5+ digit years
      default -> 1_700_000_000L + r.nextInt(100_000_000);
    };
    int nano = switch (r.nextInt(5)) {
      case 0 -> 0;
      case 1 -> r.nextInt(1000) * 1_000_000;
      case 2 -> r.nextInt(1_000_000) * 1_000;
      default -> r.nextInt(1_000_000_000);
    };
    return Instant.ofEpochSecond(second, nano);
  }

  private static String maybe(Random r, String s) {
    return r.nextInt(3) == 0 ? null : s;
  }

  @Test
  void theLineIsTheGeneratorsText() {
    Random r = new Random(8);
    for (int i = 0; i < 20_000; i++) {
      List<String> rules = new ArrayList<>();
      for (int k = r.nextInt(3); k > 0; k--) {
        rules.add(text(r));
      }
      String traceId = maybe(r, text(r));
      String target = maybe(r, text(r));
      double duration = switch (r.nextInt(3)) {
        case 0 -> r.nextLong(10_000_000_000L) / 1e6;
        case 1 -> r.nextDouble() * 1e-3;
        default -> r.nextDouble() * 1e9;
      };
      AccessLogStage.JsonFields f = new AccessLogStage.JsonFields(
          instant(r), text(r), traceId, traceId == null ? null : maybe(r, text(r)), text(r), r.nextBoolean() ? "legacy" : "stateless",
          text(r), target == null ? null : text(r), target, maybe(r, text(r)), text(r), maybe(r, text(r)),
          r.nextBoolean() ? null : r.nextInt(), rules, r.nextBoolean() ? null : r.nextLong(1_000_000_000L) / 1e6, duration);
      assertThat(AccessLogStage.json(f)).isEqualTo(generatorLine(f));
    }
  }

  @Test
  void theTimestampIsInstantToString() {
    Random r = new Random(9);
    for (int i = 0; i < 50_000; i++) {
      Instant t = instant(r);
      StringBuilder b = new StringBuilder();
      AccessLogStage.Timestamps.append(b, t);
      assertThat(b.toString()).isEqualTo(t.toString());
      // and again within the same second (the cached prefix)
      Instant same = Instant.ofEpochSecond(t.getEpochSecond(), r.nextInt(1_000_000_000));
      StringBuilder c = new StringBuilder();
      AccessLogStage.Timestamps.append(c, same);
      assertThat(c.toString()).isEqualTo(same.toString());
    }
  }
}
