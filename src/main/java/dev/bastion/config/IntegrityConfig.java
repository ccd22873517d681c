package dev.bastion.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Tool-definition integrity: how tool definitions are pinned and what happens when one changes.
 *
 * @param mode {@code TOFU}: a tool is pinned the first time it is seen (if its definition passes the
 *     poisoning scan); {@code MANIFEST}: only definitions listed in {@code manifest} are trusted,
 *     everything else waits for {@code bastion tools approve}
 * @param manifest a pins file (same format as {@code <data_dir>/pins.json}) of pre-approved
 *     definitions; required in manifest mode, optional otherwise
 * @param onChange {@code QUARANTINE}: a changed or flagged tool is hidden and its calls are denied;
 *     {@code WARN}: it is logged and recorded as pending but stays usable (weaker, explicit)
 */
public record IntegrityConfig(Mode mode, Path manifest, OnChange onChange) {
  public static final IntegrityConfig DEFAULT = new IntegrityConfig(Mode.TOFU, null, OnChange.QUARANTINE);

  public enum Mode {
    TOFU,
    MANIFEST
  }

  public enum OnChange {
    QUARANTINE,
    WARN
  }

  public IntegrityConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(onChange, "onChange");
    if (mode == Mode.MANIFEST && manifest == null) {
      throw new IllegalArgumentException("manifest mode needs a manifest file");
    }
  }
}
