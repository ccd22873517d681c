package dev.bastion.audit;

import java.nio.file.Path;

/** Turns the configured store string into a store. */
public final class AuditStores {
  public static final String DEFAULT_FILE = "audit.db";

  private static boolean prepared; // guarded by AuditStores.class

  private AuditStores() {}

  /**
   * What the first store of a process pays, whatever the configuration, done ahead (the gateway's
   * start-up runs it on a thread of its own): SQLite's native library located and loaded, the JDBC
   * driver registered and one in-memory database opened and closed (no file is touched), and the
   * Ed25519 key factory the signing keys need. A failure here is only thrown away: opening the real
   * store meets it again and reports it. Runs once per process; {@link AuditLog#open(dev.bastion.config.AuditConfig,
   * Path)} calls it first, so a store is never opened while another thread is still preparing.
   */
  public static synchronized void prepare() {
    if (prepared) {
      return;
    }
    prepared = true;
    try {
      SqliteNative.prepare();
      try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite::memory:");
          java.sql.Statement st = c.createStatement()) {
        st.execute("PRAGMA busy_timeout=1");
      }
      java.security.KeyFactory.getInstance("Ed25519");
    } catch (java.sql.SQLException | java.security.NoSuchAlgorithmException | RuntimeException e) {
      System.getLogger(AuditStores.class.getName()).log(System.Logger.Level.DEBUG, "preparing the audit store failed (opening it reports why)", e);
    }
  }

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
