package dev.bastion.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Optional;
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
}
