package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/** The SQLite native library cache: extracted once, reused only when private and verified. */
class SqliteNativeTest {

  @TempDir Path dir;

  private static byte[] driverLibrary() throws Exception {
    try (var in = SQLiteJDBCLoader.class.getResourceAsStream(LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName())) {
      return in.readAllBytes();
    }
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  @Test
  void extractsOncePrivatelyAndReusesTheVerifiedCopy() throws Exception {
    Path root = dir.resolve("cache");
    Optional<Path> first = SqliteNative.install(root);
    assertThat(first).isPresent();
    Path lib = first.get();
    assertThat(lib.getParent().getFileName().toString()).isEqualTo("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion());
    assertThat(sha256(Files.readAllBytes(lib))).isEqualTo(sha256(driverLibrary()));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lib))).isEqualTo("r-x------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lib.getParent()))).isEqualTo("rwx------");

    FileTime old = FileTime.fromMillis(1_000_000_000L);
    Files.setLastModifiedTime(lib, old);
    assertThat(SqliteNative.install(root)).contains(lib);
    assertThat(Files.getLastModifiedTime(lib)).as("a verified copy is not rewritten").isEqualTo(old);
    try (var files = Files.list(lib.getParent())) {
      assertThat(files).containsExactly(lib);
    }
  }

  @Test
  void aTamperedCopyIsReplacedBeforeItIsLoaded() throws Exception {
    Path lib = SqliteNative.install(dir).orElseThrow();
    Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rw-------"));
    Files.write(lib, "not the library".getBytes());
    assertThat(SqliteNative.install(dir)).contains(lib);
    assertThat(sha256(Files.readAllBytes(lib))).isEqualTo(sha256(driverLibrary()));

    // a link planted in its place is replaced by the real file, never followed
    Path elsewhere = dir.resolve("planted.so");
    Files.write(elsewhere, "evil".getBytes());
    Files.delete(lib);
    Files.createSymbolicLink(lib, elsewhere);
    assertThat(SqliteNative.install(dir)).contains(lib);
    assertThat(Files.isSymbolicLink(lib)).isFalse();
    assertThat(Files.readString(elsewhere)).isEqualTo("evil");
  }

  @Test
  void aFolderOthersCanWriteIsNotUsed() throws Exception {
    Path root = dir.resolve("shared");
    Files.createDirectory(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThat(SqliteNative.install(root)).isEmpty();

    Path ok = dir.resolve("ok");
    Path lib = SqliteNative.install(ok).orElseThrow();
    Files.setPosixFilePermissions(lib.getParent(), PosixFilePermissions.fromString("rwxrwx---"));
    assertThat(SqliteNative.install(ok)).as("a group-writable version folder").isEmpty();
  }

  /** The shipped table lists exactly the dependency's native libraries, with their real sizes, CRCs and hashes. */
  @Test
  void theTableOfKnownLibrariesMatchesTheDriverJar() throws Exception {
    Path jar = Path.of(SQLiteJDBCLoader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Map<String, String> actual = new TreeMap<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      for (var e : java.util.Collections.list(file.entries())) {
        if (e.getName().startsWith("org/sqlite/native/") && !e.isDirectory()) {
          try (var in = file.getInputStream(e)) {
            actual.put(SQLiteJDBCLoader.getVersion() + " /" + e.getName(),
                e.getSize() + " " + String.format("%08x", e.getCrc()) + " " + HexFormat.of().formatHex(sha256(in.readAllBytes())));
          }
        }
      }
    }
    String table;
    try (var in = SqliteNative.class.getResourceAsStream("sqlite-natives.txt")) {
      table = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
    }
    Map<String, String> listed = new TreeMap<>();
    SqliteNative.parse(table).forEach((k, v) -> listed.put(k, v.size() + " " + String.format("%08x", v.crc()) + " " + HexFormat.of().formatHex(v.sha256())));
    StringBuilder regenerated = new StringBuilder();
    actual.forEach((k, v) -> regenerated.append(k).append(' ').append(v).append('\n'));
    assertThat(listed).as("src/main/resources/dev/bastion/audit/sqlite-natives.txt should list:%n%s", regenerated).isEqualTo(actual);
    assertThat(actual).isNotEmpty();
  }

  @Test
  void aListedLibraryIsVerifiedWithoutTheJarsCopyAndAWrongListingNeverInstalls() throws Exception {
    String key = SQLiteJDBCLoader.getVersion() + " " + LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName();
    byte[] real = driverLibrary();
    SqliteNative.Known listed = SqliteNative.parse(new String(SqliteNative.class.getResourceAsStream("sqlite-natives.txt").readAllBytes())).get(key);
    assertThat(listed).as("this platform's library is in the table").isNotNull();
    assertThat(listed.sha256()).isEqualTo(sha256(real));

    // the table vouches for the hash: a cached copy with that hash is used as is
    Path lib = SqliteNative.install(dir, Map.of(key, listed)).orElseThrow();
    assertThat(sha256(Files.readAllBytes(lib))).isEqualTo(sha256(real));
    Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rw-------"));
    Files.write(lib, "tampered".getBytes());
    Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("r-x------"));
    assertThat(SqliteNative.install(dir, Map.of(key, listed))).contains(lib);
    assertThat(sha256(Files.readAllBytes(lib))).as("a tampered copy is replaced with the driver's").isEqualTo(sha256(real));

    // a listing whose hash is wrong (size and CRC right): the cached real copy fails it, and the
    // jar's copy fails it too, so nothing is installed or loaded from the cache
    byte[] wrong = sha256("something else".getBytes());
    assertThat(SqliteNative.install(dir, Map.of(key, new SqliteNative.Known(listed.size(), listed.crc(), wrong)))).isEmpty();

    // a listing for another build of the library (size or CRC differ): ignored, the jar's copy is hashed
    Path other = dir.resolve("other");
    assertThat(SqliteNative.install(other, Map.of(key, new SqliteNative.Known(listed.size() + 1, listed.crc(), wrong)))).isPresent();
    assertThat(SqliteNative.install(other, Map.of(key, new SqliteNative.Known(listed.size(), listed.crc() ^ 1, wrong)))).isPresent();
    assertThat(SqliteNative.install(dir.resolve("none"), Map.of())).isPresent();
  }
}
