package dev.bastion.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded mutation fuzzing of the loader: each seed derives a few random edits of a valid file, and
 * the loader must answer Ok or Invalid with well-formed errors, never throw and never hit its
 * internal-error fallback. A failing seed reproduces exactly.
 */
class ConfigFuzzTest {

  static final String VALID = ConfigLoaderTest.FULL;

  static final String[] TOKENS = {
    ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "!tag ", "? ", "|", ">", "#", "'", "\"", "\n", "\t",
    "  ", "---\n", "...\n", "${env:X}", "${env:", "$${", "${", "%YAML 1.2\n", "~", "null", "true", "0x1F", "-1", "1e9", "\u0000",
    "\uFEFF", "\u202E", "\uD83D\uDE00", "\\", "9999999999999999999999", "ms", "sha256:", "http://", "<<: ", "listen", "upstreams",
    "command", "url", "builtin", "effect", "rules", "agents", "id"
  };

  static IntStream seeds() {
    return IntStream.range(0, 500);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void aMutatedFileIsAlwaysEitherValidOrPreciselyInvalid(int seed, @TempDir Path dir) throws Exception {
    Random random = new Random(seed);
    String text = mutate(VALID, random);
    ConfigResult result;
    if (seed % 10 == 0) {
      Path file = dir.resolve("fuzz.yaml");
      Files.writeString(file, text);
      result = ConfigLoader.load(file, Map.of("REMOTE_TOKEN", "t")::get);
    } else {
      result = ConfigLoader.parse(text, ConfigTesting.BASE, Map.of("REMOTE_TOKEN", "t", "X", "x")::get);
    }
    switch (result) {
      case ConfigResult.Ok ok -> assertThat(ok.config()).isNotNull();
      case ConfigResult.Invalid invalid -> assertThat(invalid.errors()).isNotEmpty().allSatisfy(e -> {
        assertThat(e.path()).isNotNull();
        assertThat(e.message()).isNotBlank().doesNotStartWith("internal error");
        assertThat(e.line()).isNotNegative();
        assertThat(e.column()).isNotNegative();
      });
    }
  }

  static String mutate(String input, Random random) {
    String text = input;
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits && !text.isEmpty(); i++) {
      int at = random.nextInt(text.length() + 1);
      text = switch (random.nextInt(8)) {
        case 0 -> text.substring(0, at) + TOKENS[random.nextInt(TOKENS.length)] + text.substring(at);
        case 1 -> { // delete a run of characters
          int end = Math.min(text.length(), at + 1 + random.nextInt(20));
          yield text.substring(0, Math.min(at, end)) + text.substring(end);
        }
        case 2 -> { // replace one character with a random one
          if (at >= text.length()) {
            yield text;
          }
          char c = (char) (random.nextBoolean() ? 32 + random.nextInt(95) : random.nextInt(0x3000));
          yield text.substring(0, at) + c + text.substring(at + 1);
        }
        case 3 -> swapLines(text, random);
        case 4 -> duplicateLine(text, random);
        case 5 -> reindent(text, random);
        case 6 -> text.substring(0, at); // truncate
        default -> text.substring(0, at) + TOKENS[random.nextInt(TOKENS.length)].repeat(1 + random.nextInt(50)) + text.substring(at);
      };
    }
    return text;
  }

  private static String swapLines(String text, Random random) {
    List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
    int a = random.nextInt(lines.size());
    int b = random.nextInt(lines.size());
    String t = lines.get(a);
    lines.set(a, lines.get(b));
    lines.set(b, t);
    return String.join("\n", lines);
  }

  private static String duplicateLine(String text, Random random) {
    List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
    int a = random.nextInt(lines.size());
    lines.add(random.nextInt(lines.size() + 1), lines.get(a));
    return String.join("\n", lines);
  }

  private static String reindent(String text, Random random) {
    List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
    int a = random.nextInt(lines.size());
    lines.set(a, random.nextBoolean() ? " ".repeat(1 + random.nextInt(6)) + lines.get(a) : lines.get(a).stripLeading());
    return String.join("\n", lines);
  }
}
