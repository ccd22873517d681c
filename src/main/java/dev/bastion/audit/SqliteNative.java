package dev.bastion.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * Where sqlite-jdbc loads its native library from. By default the driver extracts the library from
 * its jar into the temp folder on every start (a 1 MB write, a fresh file to map, and a stale copy
 * left behind per run). Instead, the library is extracted once into a private cache folder,
 * {@code $XDG_CACHE_HOME/bastion/sqlite-jdbc-<version>} (or {@code ~/.cache/...}), and reused: the
 * driver is pointed at it with {@code org.sqlite.lib.path} and {@code org.sqlite.lib.name}.
 *
 * <p>Security: a cached library is loaded only when its SHA-256 equals that of the library inside
 * the driver's jar, and the file and both cache folders are owned by this user and writable by no
 * one else (folders are created {@code rwx------}, the file {@code r-x------}, written to a
 * temporary name and moved into place). Anything else — no POSIX file system, no usable home,
 * a foreign owner, loose permissions, a hash mismatch that cannot be repaired — falls back to the
 * driver's own extraction, and an operator's {@code org.sqlite.lib.path} is never overridden.
 */
final class SqliteNative {
  private static final Logger LOG = Logger.getLogger(SqliteNative.class.getName());
  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> LIB = PosixFilePermissions.fromString("r-x------");
  private static final Set<PosixFilePermission> OTHERS_WRITE = Set.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

  private static volatile boolean prepared;

  /** Points the driver at the cached library once per process (before the first connection). */
  static void prepare() {
    if (prepared) {
      return;
    }
    synchronized (SqliteNative.class) {
      if (prepared) {
        return;
      }
      prepared = true;
      if (System.getProperty("org.sqlite.lib.path") != null) {
        return;
      }
      cacheRoot().flatMap(SqliteNative::install).ifPresent(lib -> {
        System.setProperty("org.sqlite.lib.path", lib.getParent().toString());
        System.setProperty("org.sqlite.lib.name", lib.getFileName().toString());
      });
    }
  }

  private static Optional<Path> cacheRoot() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Optional.of(Path.of(xdg, "bastion"));
    }
    String home = System.getProperty("user.home");
    return home == null || home.isBlank() || home.equals("?") ? Optional.empty() : Optional.of(Path.of(home, ".cache", "bastion"));
  }

  /** The verified cached library under {@code root}, extracting it first when missing or wrong. */
  static Optional<Path> install(Path root) {
    String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName();
    try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] library = in.readAllBytes();
      byte[] expected = sha256(library);
      Path dir = root.resolve("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion());
      Path lib = dir.resolve(LibraryLoaderUtil.getNativeLibName());
      UserPrincipal me = privateDir(root, null);
      if (me == null || privateDir(dir, me) == null) {
        LOG.warning("the SQLite library cache " + dir + " is not private to this user; using the driver's own extraction");
        return Optional.empty();
      }
      if (Files.exists(lib, LinkOption.NOFOLLOW_LINKS)) {
        if (trusted(lib, me) && Arrays.equals(sha256(Files.readAllBytes(lib)), expected)) {
          return Optional.of(lib);
        }
        LOG.warning("the cached SQLite library " + lib + " does not match the driver's; replacing it");
      }
      Path tmp = Files.createTempFile(dir, ".sqlite-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try {
        Files.write(tmp, library);
        Files.setPosixFilePermissions(tmp, LIB);
        try {
          Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, lib, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      // Re-read what is now in place: another process may have raced us, and only verified bytes load.
      if (trusted(lib, me) && Arrays.equals(sha256(Files.readAllBytes(lib)), expected)) {
        return Optional.of(lib);
      }
      LOG.warning("the cached SQLite library " + lib + " could not be verified; using the driver's own extraction");
      return Optional.empty();
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      LOG.fine("no SQLite library cache (" + e + "); using the driver's own extraction");
      return Optional.empty();
    }
  }

  /**
   * Creates {@code dir} as {@code rwx------} if missing and returns its owner when it is a real
   * folder (not a link) owned by {@code owner} (or by this process's user when {@code owner} is
   * null) that no one else can write; null otherwise.
   */
  private static UserPrincipal privateDir(Path dir, UserPrincipal owner) throws IOException {
    try {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    PosixFileAttributes a = Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
    UserPrincipal me = owner != null ? owner : currentUser(dir);
    boolean ok = a.isDirectory() && a.owner().equals(me) && a.permissions().stream().noneMatch(OTHERS_WRITE::contains);
    return ok ? me : null;
  }

  private static UserPrincipal currentUser(Path dir) throws IOException {
    return dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(System.getProperty("user.name"));
  }

  private static boolean trusted(Path lib, UserPrincipal me) throws IOException {
    PosixFileAttributes a = Files.getFileAttributeView(lib, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
    return a.isRegularFile() && a.owner().equals(me) && a.permissions().stream().noneMatch(OTHERS_WRITE::contains);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private SqliteNative() {}
}
