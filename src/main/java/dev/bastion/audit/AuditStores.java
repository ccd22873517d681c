package dev.bastion.audit;

import java.nio.file.Path;

/** Turns the configured store string into a store. */
public final class AuditStores {
  public static final String DEFAULT_FILE = "audit.db";

  private AuditStores() {}

  /**
   * {@code null}/blank → {@code sqlite:<dataDir>/audit.db}; {@code sqlite:PATH} → that file (relative
   * paths resolved against {@code dataDir}). Other schemes are refused with the accepted form.
   */
  public static AuditStore open(String spec, Path dataDir, int busyTimeoutMs) {
    return SqliteAuditStore.open(sqlitePath(spec, dataDir), busyTimeoutMs);
  }

  /** Read-only access for the CLI; the database must exist. */
  public static AuditStore openReadOnly(String spec, Path dataDir) {
    return SqliteAuditStore.openReadOnly(sqlitePath(spec, dataDir));
  }

  static Path sqlitePath(String spec, Path dataDir) {
    if (spec == null || spec.isBlank()) {
      return dataDir.resolve(DEFAULT_FILE);
    }
    if (spec.startsWith("sqlite:") && spec.length() > "sqlite:".length()) {
      return dataDir.resolve(spec.substring("sqlite:".length()));
    }
    throw new IllegalArgumentException("unsupported audit store '" + spec + "'; expected sqlite:PATH");
  }
}
