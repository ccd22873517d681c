package dev.bastion.audit;

import dev.bastion.pipeline.Finding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * The embedded store: one SQLite file in WAL mode with {@code synchronous=FULL}, so a committed
 * transaction has been fsynced to the write-ahead log. Tables {@code records}, {@code checkpoints}
 * and {@code meta} (schema version, probe row).
 *
 * <p>Schema 2 added the columns {@code format} and {@code findings} (record format 2); opening an
 * older database for writing adds them (existing rows get format 1 and no findings, which is what
 * they were hashed as), and a read-only opening of an older database reads them as such.
 *
 * <p>One connection writes (used only by the log's writer thread), another reads; WAL lets readers
 * (the CLI, a second process) run while the gateway writes. Before each write the store checks that
 * the file at its path is still the file it opened: SQLite would otherwise keep writing into a
 * deleted file. After a failure {@link #probe()} reopens the connections, but never creates a
 * missing database: a deleted log stays unavailable until it is restored or the gateway restarts.
 */
public final class SqliteAuditStore implements AuditStore {
  private static final String COLUMNS = "seq, time_us, exchange_id, agent, user_id, session_id, era, protocol_version, "
      + "method, server, target, args_digest, args, effect, rule_ids, reason, latency_ms, upstream_outcome, "
      + "result_digest, labels, trace_id, prev_hash, hash, format, findings";
  /** What a reader selects from a database written before schema 2 (no format or findings columns). */
  private static final String COLUMNS_SCHEMA_1 = COLUMNS.replace(", format, findings", ", 1, '[]'");
  private static final String INSERT = "INSERT INTO records (" + COLUMNS + ") VALUES "
      + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private final Path file;
  private final boolean readOnly;
  private final int busyTimeoutMs;
  private final Object writeLock = new Object();
  private final Object readLock = new Object();
  private Connection writer;
  private PreparedStatement insert; // on writer, prepared once per connection; guarded by writeLock
  private Connection reader;
  private Object fileKey;
  private String readColumns = COLUMNS; // guarded by readLock
  private volatile boolean closed;

  private SqliteAuditStore(Path file, boolean readOnly, int busyTimeoutMs) {
    this.file = file.toAbsolutePath();
    this.readOnly = readOnly;
    this.busyTimeoutMs = busyTimeoutMs;
  }

  /** Opens (creating if needed) the database for writing. */
  public static SqliteAuditStore open(Path file) {
    return open(file, 5000);
  }

  /** Opens for writing with a busy timeout: how long a write waits for a lock held by another connection. */
  public static SqliteAuditStore open(Path file, int busyTimeoutMs) {
    SqliteAuditStore s = new SqliteAuditStore(file, false, busyTimeoutMs);
    try {
      Path parent = s.file.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new AuditStoreException("cannot create the directory of the audit database " + s.file + ": " + e.getMessage(), e);
    }
    synchronized (s.writeLock) {
      s.connectWriter(true);
    }
    return s;
  }

  /** Opens an existing database for reading only (CLI); fails if there is none. */
  public static SqliteAuditStore openReadOnly(Path file) {
    SqliteAuditStore s = new SqliteAuditStore(file, true, 5000);
    if (!Files.isRegularFile(s.file)) {
      throw new AuditStoreException("no audit database at " + s.file);
    }
    return s;
  }

  public Path file() {
    return file;
  }

  @Override
  public String describe() {
    return "sqlite:" + file;
  }

  // --- connections ---

  private Connection connect() throws SQLException {
    SqliteNative.prepare();
    Properties p = new Properties();
    if (readOnly) {
      p.setProperty("open_mode", "1");
    }
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, p);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA busy_timeout=" + busyTimeoutMs);
      if (!readOnly) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=FULL");
      }
    }
    return c;
  }

  private void connectWriter(boolean create) {
    if (!create && !Files.isRegularFile(file)) {
      throw new AuditStoreException("the audit database " + file + " is missing (deleted?); restore it or restart to start a new log");
    }
    try {
      dropWriter();
      writer = connect();
      try (Statement st = writer.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY, time_us INTEGER NOT NULL, "
            + "exchange_id TEXT NOT NULL, agent TEXT NOT NULL, user_id TEXT, session_id TEXT, era TEXT NOT NULL, "
            + "protocol_version TEXT, method TEXT NOT NULL, server TEXT NOT NULL, target TEXT NOT NULL, "
            + "args_digest TEXT NOT NULL, args TEXT NOT NULL, effect TEXT NOT NULL, rule_ids TEXT NOT NULL, reason TEXT, "
            + "latency_ms INTEGER, upstream_outcome TEXT, result_digest TEXT, labels TEXT NOT NULL, trace_id TEXT, "
            + "prev_hash TEXT NOT NULL, hash TEXT NOT NULL, format INTEGER NOT NULL DEFAULT 1, "
            + "findings TEXT NOT NULL DEFAULT '[]')");
        if (!hasFindingsColumn(writer)) {
          st.execute("ALTER TABLE records ADD COLUMN format INTEGER NOT NULL DEFAULT 1");
          st.execute("ALTER TABLE records ADD COLUMN findings TEXT NOT NULL DEFAULT '[]'");
        }
        st.execute("CREATE INDEX IF NOT EXISTS records_time ON records (time_us)");
        st.execute("CREATE TABLE IF NOT EXISTS checkpoints (seq INTEGER PRIMARY KEY, head_hash TEXT NOT NULL, "
            + "time_us INTEGER NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL)");
        st.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        st.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '2')");
      }
      writer.setAutoCommit(false);
      fileKey = currentFileKey();
    } catch (SQLException e) {
      dropWriter();
      throw failure("open", e);
    }
  }

  private Object currentFileKey() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return a.fileKey() != null ? a.fileKey() : a.creationTime();
    } catch (IOException e) {
      return null;
    }
  }

  private Connection writer() {
    if (closed) {
      throw new AuditStoreException("the audit store " + describe() + " is closed");
    }
    if (readOnly) {
      throw new AuditStoreException("the audit store " + describe() + " was opened read-only");
    }
    if (writer == null) {
      connectWriter(false);
    }
    Object now = currentFileKey();
    if (now == null || !now.equals(fileKey)) {
      dropWriter();
      throw new AuditStoreException("the audit database " + file + " was deleted or replaced while open; restore it or restart");
    }
    return writer;
  }

  private Connection reader() throws SQLException {
    if (closed) {
      throw new AuditStoreException("the audit store " + describe() + " is closed");
    }
    if (reader == null || reader.isClosed()) {
      reader = connect();
      readColumns = hasFindingsColumn(reader) ? COLUMNS : COLUMNS_SCHEMA_1;
    }
    return reader;
  }

  private static boolean hasFindingsColumn(Connection c) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA table_info(records)")) {
      while (rs.next()) {
        if ("findings".equals(rs.getString("name"))) {
          return true;
        }
      }
      return false;
    }
  }

  // --- writes ---

  @Override
  public void append(List<AuditRecord> records) {
    if (records.isEmpty()) {
      return;
    }
    for (AuditRecord r : records) {
      if (!r.chained()) {
        throw new IllegalArgumentException("record for exchange " + r.exchangeId() + " is not chained");
      }
    }
    synchronized (writeLock) {
      Connection c = writer();
      try {
        if (insert == null) {
          insert = c.prepareStatement(INSERT);
        }
        for (AuditRecord r : records) {
          bind(insert, r);
          insert.addBatch();
        }
        insert.executeBatch();
        c.commit();
        if (records.size() > 256) {
          // the driver keeps a batch array as large as the largest batch and clears all of it after
          // every batch: after a burst, start again with a small one
          closeQuietly(insert);
          insert = null;
        }
      } catch (SQLException e) {
        closeQuietly(insert);
        insert = null;
        rollback(c);
        throw failure("append " + records.size() + " records", e);
      } catch (RuntimeException e) {
        closeQuietly(insert); // it may hold half a batch
        insert = null;
        rollback(c);
        throw e;
      }
    }
  }

  @Override
  public void appendCheckpoint(Checkpoint cp) {
    synchronized (writeLock) {
      Connection c = writer();
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO checkpoints (seq, head_hash, time_us, key_id, signature) VALUES (?, ?, ?, ?, ?)")) {
        ps.setLong(1, cp.seq());
        ps.setString(2, cp.headHash());
        ps.setLong(3, micros(cp.time()));
        ps.setString(4, cp.keyId());
        ps.setString(5, cp.signature());
        ps.executeUpdate();
        c.commit();
      } catch (SQLException e) {
        rollback(c);
        throw failure("write checkpoint at seq " + cp.seq(), e);
      }
    }
  }

  @Override
  public void probe() {
    synchronized (writeLock) {
      if (writer == null || !Objects.equals(currentFileKey(), fileKey)) {
        connectWriter(false);
      }
      Connection c = writer();
      try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES ('probe', ?)")) {
        ps.setString(1, Instant.now().toString());
        ps.executeUpdate();
        c.commit();
      } catch (SQLException e) {
        rollback(c);
        dropWriter();
        throw failure("probe", e);
      }
    }
  }

  // --- reads ---

  @Override
  public ChainHead head() {
    synchronized (readLock) {
      try (Statement st = reader().createStatement();
          ResultSet rs = st.executeQuery("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1")) {
        return rs.next() ? new ChainHead(rs.getLong(1), rs.getString(2)) : ChainHead.EMPTY;
      } catch (SQLException e) {
        resetReader();
        throw failure("read the head", e);
      }
    }
  }

  @Override
  public List<AuditRecord> read(long fromSeq, int limit) {
    synchronized (readLock) {
      try (PreparedStatement ps = reader().prepareStatement(
          "SELECT " + readColumns + " FROM records WHERE seq >= ? ORDER BY seq LIMIT ?")) {
        ps.setLong(1, fromSeq);
        ps.setInt(2, limit);
        return readAll(ps);
      } catch (SQLException e) {
        resetReader();
        throw failure("read records from " + fromSeq, e);
      }
    }
  }

  @Override
  public List<AuditRecord> query(AuditQuery q) {
    StringBuilder sql = new StringBuilder(" FROM records WHERE seq > ?");
    List<Object> params = new ArrayList<>();
    params.add(q.afterSeq());
    if (q.agent() != null) {
      sql.append(" AND agent = ?");
      params.add(q.agent());
    }
    if (q.target() != null) {
      sql.append(" AND target = ?");
      params.add(q.target());
    }
    if (q.effect() != null) {
      sql.append(" AND effect = ?");
      params.add(q.effect().wireName());
    }
    if (q.finding() != null) {
      sql.append(" AND EXISTS (SELECT 1 FROM json_each(records.findings) f WHERE json_extract(f.value, '$.detector') = ?"
          + " OR json_extract(f.value, '$.category') = ?)");
      params.add(q.finding());
      params.add(q.finding());
    }
    if (q.since() != null) {
      sql.append(" AND time_us >= ?");
      params.add(micros(q.since()));
    }
    if (q.until() != null) {
      sql.append(" AND time_us < ?");
      params.add(micros(q.until()));
    }
    sql.append(" ORDER BY seq LIMIT ?");
    params.add(q.limit());
    synchronized (readLock) {
      try {
        reader();
      } catch (SQLException e) {
        resetReader();
        throw failure("query records", e);
      }
      if (q.finding() != null && !COLUMNS.equals(readColumns)) {
        return List.of(); // a schema-1 database holds no findings
      }
      try (PreparedStatement ps = reader().prepareStatement("SELECT " + readColumns + sql)) {
        for (int i = 0; i < params.size(); i++) {
          ps.setObject(i + 1, params.get(i));
        }
        return readAll(ps);
      } catch (SQLException e) {
        resetReader();
        throw failure("query records", e);
      }
    }
  }

  @Override
  public List<Checkpoint> checkpoints() {
    return readCheckpoints("SELECT seq, head_hash, time_us, key_id, signature FROM checkpoints ORDER BY seq");
  }

  @Override
  public Optional<Checkpoint> lastCheckpoint() {
    return readCheckpoints("SELECT seq, head_hash, time_us, key_id, signature FROM checkpoints ORDER BY seq DESC LIMIT 1")
        .stream().findFirst();
  }

  private List<Checkpoint> readCheckpoints(String sql) {
    synchronized (readLock) {
      try (Statement st = reader().createStatement(); ResultSet rs = st.executeQuery(sql)) {
        List<Checkpoint> out = new ArrayList<>();
        while (rs.next()) {
          out.add(new Checkpoint(rs.getLong(1), rs.getString(2), instant(rs.getLong(3)), rs.getString(4), rs.getString(5)));
        }
        return out;
      } catch (SQLException | RuntimeException e) {
        resetReader();
        throw new AuditStoreException("cannot read checkpoints from " + describe() + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (writeLock) {
      dropWriter();
    }
    synchronized (readLock) {
      closeQuietly(reader);
      reader = null;
    }
  }

  // --- mapping ---

  private static void bind(PreparedStatement ps, AuditRecord r) throws SQLException {
    ps.setLong(1, r.seq());
    ps.setLong(2, micros(r.time()));
    ps.setString(3, r.exchangeId());
    ps.setString(4, r.agent());
    ps.setString(5, r.user());
    ps.setString(6, r.session());
    ps.setString(7, r.era());
    ps.setString(8, r.protocolVersion());
    ps.setString(9, r.method());
    ps.setString(10, r.server());
    ps.setString(11, r.target());
    ps.setString(12, r.argsDigest());
    ps.setString(13, r.args());
    ps.setString(14, r.effect().wireName());
    ps.setString(15, jsonList(r.ruleIds()));
    ps.setString(16, r.reason());
    if (r.upstreamLatencyMs() == null) {
      ps.setNull(17, Types.INTEGER);
    } else {
      ps.setLong(17, r.upstreamLatencyMs());
    }
    ps.setString(18, r.upstreamOutcome());
    ps.setString(19, r.resultDigest());
    ps.setString(20, jsonList(r.labels()));
    ps.setString(21, r.traceId());
    ps.setString(22, r.prevHash());
    ps.setString(23, r.hash());
    ps.setInt(24, r.format());
    ps.setString(25, r.findings().isEmpty() ? "[]" : CanonicalJson.write(AuditRecord.findingsJson(r.findings())));
  }

  private static List<AuditRecord> readAll(PreparedStatement ps) throws SQLException {
    List<AuditRecord> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(row(rs));
      }
    }
    return out;
  }

  private static AuditRecord row(ResultSet rs) throws SQLException {
    long seq = rs.getLong(1);
    try {
      long latency = rs.getLong(17);
      Long latencyMs = rs.wasNull() ? null : latency;
      return new AuditRecord(seq, instant(rs.getLong(2)), rs.getString(3), rs.getString(4), rs.getString(5),
          rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11),
          rs.getString(12), rs.getString(13), AuditRecord.Effect.parse(rs.getString(14)), list(rs.getString(15)),
          rs.getString(16), latencyMs, rs.getString(18), rs.getString(19), list(rs.getString(20)), rs.getString(21),
          rs.getInt(24), findings(rs.getString(25)), rs.getString(22), rs.getString(23));
    } catch (RuntimeException e) {
      throw AuditStoreException.malformed(seq, e.getMessage(), e);
    }
  }

  static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
  }

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
  }

  /**
   * A list column's JSON text: what {@link CanonicalJson#write} gives for the list, built directly
   * when every item is printable ASCII without quote or backslash (rule ids, labels), which Jackson
   * writes unescaped ({@code ChainTextTest} compares both).
   */
  static String jsonList(List<String> items) {
    if (items.isEmpty()) {
      return "[]";
    }
    StringBuilder plain = new StringBuilder(2 + 24 * items.size()).append('[');
    for (String item : items) {
      if (item == null || !isPlain(item)) {
        return jacksonList(items);
      }
      if (plain.length() > 1) {
        plain.append(',');
      }
      plain.append('"').append(item).append('"');
    }
    return plain.append(']').toString();
  }

  private static boolean isPlain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  static String jacksonList(List<String> items) {
    ArrayNode a = CanonicalJson.MAPPER.createArrayNode();
    items.forEach(a::add);
    return CanonicalJson.write(a);
  }

  private static List<String> list(String json) {
    if (json == null) {
      throw new IllegalArgumentException("list column is null");
    }
    try {
      JsonNode n = CanonicalJson.MAPPER.readTree(json);
      if (!n.isArray()) {
        throw new IllegalArgumentException("list column is not a JSON array");
      }
      List<String> out = new ArrayList<>();
      for (JsonNode e : n.values()) {
        out.add(e.asString());
      }
      return out;
    } catch (JacksonException e) {
      throw new IllegalArgumentException("list column is not JSON", e);
    }
  }

  private static List<Finding> findings(String json) {
    if (json == null) {
      throw new IllegalArgumentException("findings column is null");
    }
    try {
      JsonNode n = CanonicalJson.MAPPER.readTree(json);
      if (!n.isArray()) {
        throw new IllegalArgumentException("findings column is not a JSON array");
      }
      List<Finding> out = new ArrayList<>();
      for (JsonNode f : n.values()) {
        out.add(new Finding(f.path("category").asString(), f.path("detector").asString(), f.path("direction").asString(),
            f.path("action").asString(), f.path("location").asString()));
      }
      return out;
    } catch (JacksonException e) {
      throw new IllegalArgumentException("findings column is not JSON", e);
    }
  }

  private AuditStoreException failure(String what, SQLException e) {
    return new AuditStoreException("cannot " + what + " in " + describe() + ": " + e.getMessage(), e);
  }

  private static void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the next probe reopens it
    }
  }

  /** Closes the writing connection and its cached statement (callers hold writeLock). */
  private void dropWriter() {
    closeQuietly(insert);
    insert = null;
    closeQuietly(writer);
    writer = null;
  }

  private void resetReader() {
    closeQuietly(reader);
    reader = null;
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing a broken connection
      }
    }
  }
}
