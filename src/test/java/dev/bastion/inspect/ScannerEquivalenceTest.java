package dev.bastion.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The scanner's fast paths never change a finding: on every input, {@link Scanner#inspect} gives
 * the same canonical text and exactly the same hits (category, detector, span, order) as
 * {@link ReferenceScanner}, a frozen copy of the scanner from before the third performance round,
 * run without any of its prefilters. Inputs: {@code DetectorBench}'s clean and dirty texts, every
 * string of the attack-sim catalogue (payloads and benign twins), the prefilter and property test
 * corpora, those strings encoded (base64 in both alphabets, hex, percent, entities) and seeded
 * mixtures of all of them with hashes, paths and random base64/hex runs of the lengths the decoder
 * looks at.
 */
class ScannerEquivalenceTest {
  private static final Set<String> HOSTS = Set.of("docs.example.com");
  private static final Scanner NEW = new Scanner(HOSTS);
  private static final ReferenceScanner OLD = new ReferenceScanner(HOSTS);

  private static List<String> catalogue;

  @BeforeAll
  static void loadCatalogue() throws IOException {
    List<String> strings = new ArrayList<>();
    for (String file : resource("attacksim/scenarios.index").lines().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
      collect(new Load(LoadSettings.builder().build()).loadFromString(resource("attacksim/scenarios/" + file)), strings);
    }
    catalogue = List.copyOf(strings);
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ScannerEquivalenceTest.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void collect(Object node, List<String> out) {
    if (node instanceof String s) {
      out.add(s);
    } else if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> {
        collect(k, out);
        collect(v, out);
      });
    } else if (node instanceof List<?> l) {
      l.forEach(v -> collect(v, out));
    }
  }

  private final Set<String> detectors = new HashSet<>();

  private void assertSame(String input) {
    Scanner.Result now = NEW.inspect(input);
    ReferenceScanner.Result then = OLD.inspect(input);
    assertThat(now.canonical()).as("canonical form of %s", DetectorPropertyTest.escape(input)).isEqualTo(then.canonical());
    assertThat(now.hits()).as("hits in %s", DetectorPropertyTest.escape(input)).isEqualTo(then.hits());
    now.hits().forEach(h -> detectors.add(h.detector()));
  }

  @Test
  void benchmarkTextsGiveTheSameFindings() {
    for (String kind : List.of("clean", "dirty")) {
      for (int size : List.of(1024, 65536, 1048576)) {
        assertSame(DetectorBench.text(size, kind));
      }
    }
    assertThat(detectors).contains("aws_access_key", "github_token", "email", "card_number", "iban", "hidden_html",
        "instruction_override", "fake_chat_turn", "encoded_payload");
  }

  @Test
  void catalogueStringsAndTheirEncodingsGiveTheSameFindings() {
    List<String> strings = new ArrayList<>(catalogue);
    strings.addAll(ScannerPrefilterTest.CORPUS);
    strings.addAll(DetectorBench.DIRTY);
    assertThat(catalogue).hasSizeGreaterThan(200);
    for (String s : strings) {
      assertSame(s);
      for (String e : encodings(s)) {
        assertSame(e);
        assertSame("blob " + e + " end");
        assertSame("value=" + e);
      }
    }
    assertThat(detectors).contains("aws_access_key", "private_key", "connection_string", "generic_secret", "password",
        "email", "phone_number", "instruction_override", "decode_and_follow", "chat_template_token", "hidden_html",
        "markdown_image_exfiltration", "encoded_payload", "zero_width", "ansi_escape", "tag_characters");
  }

  @Test
  void seededMixturesGiveTheSameFindings() {
    Random r = new Random(20261201L);
    List<List<String>> pools = List.of(catalogue, DetectorBench.CLEAN, DetectorBench.DIRTY, ScannerPrefilterTest.CORPUS,
        ScannerPrefilterTest.FRAGMENTS, DetectorPropertyTest.FRAGMENTS);
    int withHits = 0;
    for (int iteration = 0; iteration < 6_000; iteration++) {
      StringBuilder sb = new StringBuilder();
      int pieces = 1 + r.nextInt(30);
      for (int p = 0; p < pieces; p++) {
        switch (r.nextInt(10)) {
          case 0 -> sb.append(randomRun(r));
          case 1 -> {
            List<String> pool = pools.get(r.nextInt(pools.size()));
            List<String> encoded = encodings(pool.get(r.nextInt(pool.size())));
            sb.append(encoded.get(r.nextInt(encoded.size())));
          }
          case 2 -> sb.append(r.nextBoolean() ? ' ' : r.nextBoolean() ? '\n' : '/');
          default -> {
            List<String> pool = pools.get(r.nextInt(pools.size()));
            sb.append(pool.get(r.nextInt(pool.size())));
          }
        }
      }
      String input = sb.toString();
      assertSame(input);
      if (!NEW.inspect(input).hits().isEmpty()) {
        withHits++;
      }
      if (input.length() > 8) {
        // cut anywhere: encodings and tokens broken at odd places
        int from = r.nextInt(input.length() / 2);
        assertSame(input.substring(from, from + 1 + r.nextInt(input.length() - from - 1)));
      }
    }
    assertThat(withHits).isGreaterThan(2_000);
  }

  /**
   * The shortcuts of the fourth round: key words before a value (only "bearer" without a separator),
   * key/value tokens whose last separator ends them, short words in either case, '?' among other
   * characters above U+00FF, and the credential hints' first letters.
   */
  @Test
  void keysWordsAndStandInsGiveTheSameFindings() {
    Random r = new Random(20261130L);
    int keyed = 0;
    List<String> keys = List.of("Bearer ", "bearer  ", "BEARER\t", "beare ", "xbearer ", "bearers ", "Authorization: Bearer ",
        "token=", "token: ", "\"secret\": \"", "pwd=", "key:", "a=b:", "password:", "passwd = ", "api_key=", "Bearer\u00e9 ",
        "r ", "R ", "é ");
    List<String> values = List.of("a1B2c3D4e5F6g7H8i9J0k1L2", "hunter22", "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "sk-ant-a1B2c3D4e5F6g7H8i9J0k1", "AKIAQ3EXAMPLE7KEY4ZZ", "xoxb-1234567890-abcdef", "ya29.a1B2c3D4e5F6g7H8i9J0",
        "value=", "x:y=", "glpat-a1B2c3D4e5F6g7H8i9J0", "?\u0100?", "??", "Ignore", "ignore", "Prompt:", "user:");
    for (int iteration = 0; iteration < 6_000; iteration++) {
      StringBuilder sb = new StringBuilder();
      int pieces = 1 + r.nextInt(12);
      for (int p = 0; p < pieces; p++) {
        sb.append(keys.get(r.nextInt(keys.size()))).append(values.get(r.nextInt(values.size())));
        sb.append(r.nextBoolean() ? " " : r.nextBoolean() ? "\n" : ", ");
        if (r.nextInt(4) == 0) {
          List<String> pool = r.nextBoolean() ? DetectorBench.CLEAN : DetectorBench.DIRTY;
          sb.append(pool.get(r.nextInt(pool.size())));
        }
      }
      String input = sb.toString();
      assertSame(input);
      if (NEW.inspect(input).hits().stream().anyMatch(h -> h.detector().equals("generic_secret") || h.detector().equals("password"))) {
        keyed++;
      }
    }
    assertThat(keyed).isGreaterThan(1_000);
  }

  /** Hashes, paths and random base64/hex runs of the lengths the decoder looks at. */
  private static String randomRun(Random r) {
    byte[] bytes = new byte[8 + r.nextInt(80)];
    r.nextBytes(bytes);
    return switch (r.nextInt(7)) {
      case 0 -> HexFormat.of().formatHex(bytes, 0, List.of(16, 20, 32, 64).get(r.nextInt(4)) % bytes.length);
      case 1 -> HexFormat.of().withUpperCase().formatHex(bytes);
      case 2 -> Base64.getEncoder().encodeToString(bytes);
      case 3 -> Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      case 4 -> "/srv/app-" + r.nextInt(100) + "/config/settings_" + r.nextInt(1000) + "/release+candidate/file.yaml";
      case 5 -> "sha512-" + Base64.getEncoder().encodeToString(bytes);
      default -> {
        // printable bytes, so the decoders get as far as text
        for (int k = 0; k < bytes.length; k++) {
          bytes[k] = (byte) (0x20 + r.nextInt(0x5F));
        }
        yield r.nextBoolean() ? Base64.getEncoder().encodeToString(bytes) : HexFormat.of().formatHex(bytes);
      }
    };
  }

  /** The string in each encoding the scanner decodes. */
  static List<String> encodings(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    StringBuilder percent = new StringBuilder();
    StringBuilder entities = new StringBuilder();
    for (byte b : utf8) {
      percent.append('%').append(HexFormat.of().toHexDigits(b));
    }
    s.codePoints().forEach(cp -> entities.append("&#").append(cp).append(';'));
    return List.of(
        Base64.getEncoder().encodeToString(utf8),
        Base64.getUrlEncoder().withoutPadding().encodeToString(utf8),
        HexFormat.of().formatHex(utf8),
        HexFormat.of().withUpperCase().formatHex(utf8),
        percent.toString(),
        entities.toString(),
        Base64.getEncoder().encodeToString(Base64.getEncoder().encodeToString(utf8).getBytes(StandardCharsets.US_ASCII)));
  }
}
