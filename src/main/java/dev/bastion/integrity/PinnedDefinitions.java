package dev.bastion.integrity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * Read-only view of the pinned tool definitions in {@code <data_dir>/pins.json}, for tools that
 * check configuration against the tools the gateway has seen ({@code bastion policy lint}). Only
 * pinned definitions are returned: a pending (quarantined) change is not what agents see.
 */
public final class PinnedDefinitions {
  private PinnedDefinitions() {}

  /** The pins file's path under a data directory. */
  public static Path file(Path dataDir) {
    return dataDir.resolve(PinStore.FILE);
  }

  /**
   * Server → tool → pinned definition; empty if there is no pins file.
   *
   * @throws IllegalArgumentException if the file is malformed (with a precise message)
   */
  public static Optional<Map<String, Map<String, ObjectNode>>> read(Path dataDir) {
    if (!Files.exists(file(dataDir))) {
      return Optional.empty();
    }
    PinFile pins = PinStore.inDataDir(dataDir).read();
    Map<String, Map<String, ObjectNode>> out = new LinkedHashMap<>();
    pins.tools().forEach((server, tools) -> tools.forEach((name, entry) -> {
      if (entry.pinned() != null) {
        out.computeIfAbsent(server, k -> new LinkedHashMap<>()).put(name, entry.pinned().definition());
      }
    }));
    return Optional.of(out);
  }
}
