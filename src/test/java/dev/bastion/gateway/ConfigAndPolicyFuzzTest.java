package dev.bastion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.policy.CompiledPolicy;
import dev.bastion.policy.PolicyCompiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded mutation fuzzing of config <em>and</em> policy loading (the full check that start-up and
 * hot reload run: YAML binding, then CEL parsing, type-checking and compiling every rule, then the
 * rule index). A deterministic random-mutation property test, next to the Jazzer fuzz test
 * {@link ConfigAndPolicyJazzerTest} (which under Surefire replays only its seed corpus): each seed
 * edits a valid config (with the support-bot
 * policy) using YAML and CEL fragments, and the result must be Ok or Invalid with located, non-empty
 * errors — never an exception. A failing seed reproduces exactly. Bounded: 120 seeds.
 */
class ConfigAndPolicyFuzzTest {

  static final String[] CEL_TOKENS = {
    "&&", "||", "!", "(", ")", "[", "]", "{", "}", ".", ",", "?", ":", "==", "!=", "<", ">=", " in ", "has(", "size(", "exists(", "all(",
    "map(", "filter(", "'", "\"", "\\", "1", "-1", "1.5", "9223372036854775808", "true", "null", "b'x'", "agent", "tool", "args",
    "request", "session", "method", ".name", ".roles", ".getHours('Mars/Olympus')", "timestamp('x')", "duration('1h')", "matches('(')",
    "\u0000", "\u202E", "\uD83D\uDE00", "[[[[[[[[[[", "((((((((((((", "x.y.z.w", "dyn(", "int(", "string(", "#", "\n", "  "
  };
  static final String[] YAML_TOKENS = {":", "- ", "{", "}", "[", "]", "'", "\"", "\n", "  ", "#", "&a ", "*a", "!!str ", "~", "null", "mode: shadow", "effect: ask"};

  static IntStream seeds() {
    return IntStream.range(0, 120);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void mutatedConfigsAndPoliciesOnlyEverYieldValidationErrors(int seed) throws Exception {
    Random random = new Random(seed * 7919L + 1);
    String text = Files.readString(Path.of("examples/support-bot.yaml"));
    int edits = 1 + random.nextInt(5);
    for (int i = 0; i < edits; i++) {
      int policy = text.indexOf("policy:");
      boolean inPolicy = policy >= 0 && random.nextInt(4) != 0;
      int from = inPolicy ? policy : 0;
      int at = from + random.nextInt(text.length() - from + 1);
      text = switch (random.nextInt(4)) {
        case 0, 1 -> text.substring(0, at) + (inPolicy ? CEL_TOKENS[random.nextInt(CEL_TOKENS.length)] : YAML_TOKENS[random.nextInt(YAML_TOKENS.length)])
            + text.substring(at);
        case 2 -> text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + random.nextInt(12)));
        default -> {
          int len = Math.min(text.length() - at, 1 + random.nextInt(30));
          String piece = text.substring(at, at + len);
          int to = random.nextInt(text.length() + 1);
          yield text.substring(0, to) + piece + text.substring(to);
        }
      };
    }
    ConfigResult loaded = ConfigLoader.parse(text, Path.of("examples").toAbsolutePath(), name -> null);
    ConfigResult checked = loaded instanceof ConfigResult.Ok ok ? ConfigChecks.check(ok.config()) : loaded;
    switch (checked) {
      case ConfigResult.Ok ok -> assertThat(PolicyCompiler.compile(ok.config().policy())).isInstanceOf(CompiledPolicy.class);
      case ConfigResult.Invalid invalid -> assertThat(invalid.errors()).isNotEmpty().allSatisfy(e -> {
        assertThat(e.path()).isNotNull();
        assertThat(e.message()).isNotBlank().doesNotStartWith("internal error");
        assertThat(e.line()).isNotNegative();
      });
    }
  }
}
