package dev.bastion.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The linear-scan tokeniser in {@link Fingerprints} against the regex one it replaced ({@link
 * RegexFingerprints}): same tokens, in the same order, same normalised forms, key forms, hosts and
 * compacted text, on seeded random text built from the characters the patterns care about and on
 * every line of the bundled attack scenarios and demo pages.
 */
class FingerprintsEquivalenceTest {
  /** Pieces random texts are made of: every character class the old patterns distinguish. */
  private static final String[] PIECES = {
    "a", "Z", "x", "é", "Ä", "ß", "İ", "ﬁ", "Ａ", "𝐀", "😀", "Ⅻ", "²", "١", "٣", "0", "7", "42",
    " ", "\t", "\n", "\r", "\u000B", "\f", "\u0085", "\u2028", "\u2029", "\u00A0", "\u2003", "\u001C",
    "\"", "'", "<", ">", "(", ")", "[", "]", "{", "}", ",", ";", "|", "`",
    ":", "=", "/", "\\", ".", "..", "@", "~", "-", "_", "+", "%", "#", "?", "&", "*", "!", "$",
    "://", "http", "https://", "ftp://", "mailto:", "DE", "DE44", "GB29 ", "5001 0517 ", "3249 31",
    "example.com", "ana@example.com", "user.name@mail.example.org", "scope=all", "token: ", "key=\"",
    "C:\\", "c:\\Users\\", "~/", "./", "../", "/etc/passwd", "/home/u/.ssh/id_rsa", "a.b", "x.yz",
    "d2FybS11cCB0ZXh0", "77617a6d2d7570", "%41%42", "\uD800", "\uDC00", "e\u0301", "Ⓐ", "ＡＢＣ１２３",
  };

  private static String random(Random r, int pieces) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < pieces; i++) {
      b.append(PIECES[r.nextInt(PIECES.length)]);
    }
    return b.toString();
  }

  private static void assertSame(String text) {
    assertThat(List.copyOf(Fingerprints.tokens(text))).as("tokens of %s", show(text)).isEqualTo(List.copyOf(RegexFingerprints.tokens(text)));
    assertThat(Fingerprints.normaliseToken(text)).as("normalised %s", show(text)).isEqualTo(RegexFingerprints.normaliseToken(text));
    assertThat(List.copyOf(Fingerprints.keyForms(text))).as("key forms of %s", show(text)).isEqualTo(List.copyOf(RegexFingerprints.keyForms(text)));
    assertThat(Fingerprints.host(text)).as("host of %s", show(text)).isEqualTo(RegexFingerprints.host(text));
    assertThat(Fingerprints.compact(text)).as("compact %s", show(text)).isEqualTo(RegexFingerprints.compact(text));
    assertThat(Fingerprints.decodedVariants(text)).as("variants of %s", show(text)).isEqualTo(RegexFingerprints.decodedVariants(text));
  }

  private static String show(String s) {
    StringBuilder b = new StringBuilder("\"");
    s.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\u%04X", c)));
    return b.append('"').toString();
  }

  @Test
  void randomTextGivesTheSameTokensAsTheRegexes() {
    Random r = new Random(20261130L);
    for (int i = 0; i < 5_000; i++) {
      assertSame(random(r, 1 + r.nextInt(i % 10 == 0 ? 120 : 16)));
    }
  }

  @Test
  void randomSingleWordsGiveTheSameTokensAsTheRegexes() {
    // words without separators exercise the path, dotted-name and trim scans on their own
    String[] wordPieces = {"a", "Q", "é", "𝐀", "Ⅻ", "²", "0", "9", ".", "..", "/", "\\", "~", ":", "@", "-", "_", "+", "=", "%", "#",
        "\u0085", "\u2028", "\u00A0", "mailto:", "C:\\", "~/", "./", "../", "example", ".com", "\uD800"};
    Random r = new Random(7L);
    for (int i = 0; i < 5_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = 1 + r.nextInt(12);
      for (int k = 0; k < n; k++) {
        b.append(wordPieces[r.nextInt(wordPieces.length)]);
      }
      assertSame(b.toString());
    }
  }

  @Test
  void attackScenariosAndDemoPagesGiveTheSameTokensAsTheRegexes() throws IOException {
    List<String> texts = new ArrayList<>();
    for (String name : List.of("attacksim/scenarios/pe.yaml", "attacksim/scenarios/tp.yaml", "attacksim/scenarios/fw.yaml",
        "attacksim/scenarios/ex.yaml", "attacksim/scenarios/gw.yaml", "attacksim/scenarios/tf.yaml", "attacksim/scenarios/pi.yaml",
        "demo/web/attacker-hidden-instructions.html", "demo/web/blog-release-notes.html", "demo/web/example-home.html",
        "demo/web/news-article-1.html", "demo/tools.json")) {
      String whole = resource(name);
      texts.add(whole);
      texts.addAll(whole.lines().toList());
    }
    texts.add(FingerprintsTest.NOTE);
    texts.add(FingerprintsTest.PAGE);
    texts.add("Warm-up text with https://a.example/x, a@b.example and DE44 5001 0517 5407 3249 31.");
    assertThat(texts).hasSizeGreaterThan(500);
    int withTokens = 0;
    for (String t : texts) {
      assertSame(t);
      withTokens += Fingerprints.tokens(t).isEmpty() ? 0 : 1;
    }
    assertThat(withTokens).as("texts that yield tokens at all").isGreaterThan(50);
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = FingerprintsEquivalenceTest.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
