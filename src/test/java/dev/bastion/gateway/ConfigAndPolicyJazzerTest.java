package dev.bastion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.bastion.config.ConfigLoader;
import dev.bastion.config.ConfigResult;
import dev.bastion.policy.CompiledPolicy;
import dev.bastion.policy.PolicyCompilation;
import dev.bastion.policy.PolicyCompiler;
import dev.bastion.policy.PolicyErrors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Jazzer fuzz test of config and policy loading: any bytes, read as a config file, must load, pass
 * the checks and compile its policy, or yield located validation errors — never an exception. Under
 * Surefire this runs in Jazzer's regression mode over the seed corpus in
 * {@code src/test/resources/dev/bastion/gateway/ConfigAndPolicyJazzerTestInputs/}; with
 * {@code JAZZER_FUZZ=1} it fuzzes (coverage-guided) for {@code maxDuration}. The seeded random
 * mutator {@link ConfigAndPolicyFuzzTest} runs alongside it in every build.
 */
class ConfigAndPolicyJazzerTest {

  @FuzzTest(maxDuration = "60s")
  void configAndPolicyLoadingOnlyEverYieldsValidationErrors(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    ConfigResult loaded = ConfigLoader.parse(text, Path.of("examples").toAbsolutePath(), name -> null);
    ConfigResult checked = loaded instanceof ConfigResult.Ok ok ? ConfigChecks.check(ok.config()) : loaded;
    switch (checked) {
      case ConfigResult.Ok ok -> {
        PolicyCompilation compiled = PolicyCompiler.compile(ok.config().policy());
        assertThat(compiled).isInstanceOfAny(CompiledPolicy.class, PolicyErrors.class);
      }
      case ConfigResult.Invalid invalid -> assertThat(invalid.errors()).isNotEmpty().allSatisfy(e -> {
        assertThat(e.path()).isNotNull();
        assertThat(e.message()).isNotBlank().doesNotStartWith("internal error");
        assertThat(e.line()).isNotNegative();
      });
    }
  }
}
