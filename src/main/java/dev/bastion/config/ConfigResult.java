package dev.bastion.config;

import java.util.List;
import java.util.Objects;

/** The outcome of loading a configuration: a whole valid config, or every problem found. */
public sealed interface ConfigResult {

  /** A fully validated configuration. */
  record Ok(BastionConfig config) implements ConfigResult {
    public Ok {
      Objects.requireNonNull(config, "config");
    }
  }

  /** The file was rejected; {@code errors} is non-empty and ordered by position in the file. */
  record Invalid(List<ConfigError> errors) implements ConfigResult {
    public Invalid {
      errors = List.copyOf(errors);
      if (errors.isEmpty()) {
        throw new IllegalArgumentException("Invalid needs at least one error");
      }
    }
  }
}
