package dev.bastion.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Helpers shared by the config tests. */
final class ConfigTesting {
  static final Path BASE = Path.of("/etc/bastion");

  private ConfigTesting() {}

  static Function<String, String> env(Map<String, String> vars) {
    return vars::get;
  }

  static ConfigResult parse(String yaml) {
    return ConfigLoader.parse(yaml, BASE, env(Map.of()));
  }

  static BastionConfig ok(String yaml) {
    return ok(ConfigLoader.parse(yaml, BASE, env(Map.of())));
  }

  static BastionConfig ok(ConfigResult result) {
    return switch (result) {
      case ConfigResult.Ok o -> o.config();
      case ConfigResult.Invalid i -> fail("expected a valid config, got:%n%s", String.join("\n", i.errors().stream().map(ConfigError::describe).toList()));
    };
  }

  static List<ConfigError> invalid(String yaml) {
    return invalid(ConfigLoader.parse(yaml, BASE, env(Map.of())));
  }

  static List<ConfigError> invalid(ConfigResult result) {
    return switch (result) {
      case ConfigResult.Ok o -> fail("expected errors, got a valid config: %s", o.config());
      case ConfigResult.Invalid i -> {
        assertThat(i.errors()).isNotEmpty();
        yield i.errors();
      }
    };
  }

  /** The single error of a file with exactly one problem. */
  static ConfigError onlyError(String yaml) {
    List<ConfigError> errors = invalid(yaml);
    assertThat(errors).as("errors: %s", errors).hasSize(1);
    return errors.getFirst();
  }
}
