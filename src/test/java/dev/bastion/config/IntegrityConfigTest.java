package dev.bastion.config;

import static dev.bastion.config.ConfigTesting.ok;
import static dev.bastion.config.ConfigTesting.onlyError;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IntegrityConfigTest {

  @Test
  void defaultsToTrustOnFirstUseWithQuarantine() {
    assertThat(ok("listen: 127.0.0.1:8080\n").integrity()).isEqualTo(IntegrityConfig.DEFAULT);
  }

  @Test
  void manifestModeWithAManifestResolvedAgainstTheConfigDirectory() {
    IntegrityConfig c = ok("integrity: { mode: manifest, manifest: ./tools.pins.json, on_change: warn }\n").integrity();
    assertThat(c.mode()).isEqualTo(IntegrityConfig.Mode.MANIFEST);
    assertThat(c.manifest()).isEqualTo(ConfigTesting.BASE.resolve("tools.pins.json"));
    assertThat(c.onChange()).isEqualTo(IntegrityConfig.OnChange.WARN);
  }

  @Test
  void manifestModeWithoutAManifestIsAnErrorAtItsPath() {
    ConfigError e = onlyError("integrity:\n  mode: manifest\n");
    assertThat(e.path()).isEqualTo("integrity.mode");
    assertThat(e.message()).contains("integrity.manifest");
  }

  @Test
  void unknownValuesAndKeysAreErrorsAtTheirPaths() {
    assertThat(onlyError("integrity: { mode: trust-all }\n").path()).isEqualTo("integrity.mode");
    assertThat(onlyError("integrity: { on_change: ignore }\n").path()).isEqualTo("integrity.on_change");
    assertThat(onlyError("integrity: { pin: yes }\n").path()).isEqualTo("integrity.pin");
  }
}
