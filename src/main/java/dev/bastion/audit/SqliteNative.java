package dev.bastion.audit;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.logging.Logger;
import java.util.zip.ZipEntry;
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
 * one else. The cached copy is hashed on every start (whoever can write the cache folder can write
 * anything in it, so nothing stored there is trusted to vouch for it); the hash it must have comes
 * from {@code sqlite-natives.txt} in this jar (a table of the driver's libraries, checked against
 * the dependency by a test, used only when the jar's directory records the same size and CRC-32 for
 * the library) or, failing that, from hashing the jar's copy. Folders are created {@code rwx------},
 * the file {@code r-x------}, written to a temporary name and moved into place. Anything else — no
 * POSIX file system, no usable home, a foreign owner, loose permissions, a hash mismatch that cannot
 * be repaired — falls back to the driver's own extraction, and an operator's {@code org.sqlite.lib.path} is never overridden.
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
    return install(root, Table.KNOWN);
  }

  /**
   * As {@link #install(Path)}, with the table of known libraries: when the jar's entry is listed
   * there (same size and CRC-32 in the jar's directory), the cached copy is checked against the
   * listed SHA-256 and the jar's copy is neither inflated nor hashed; otherwise it is hashed here.
   */
  static Optional<Path> install(Path root, Map<String, Known> known) {
    String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName();
    URL url = SQLiteJDBCLoader.class.getResource(resource);
    if (url == null) {
      return Optional.empty();
    }
    try {
      Path dir = root.resolve("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion());
      Path lib = dir.resolve(LibraryLoaderUtil.getNativeLibName());
      UserPrincipal me = privateDir(root, null);
      if (me == null || privateDir(dir, me) == null) {
        LOG.warning("the SQLite library cache " + dir + " is not private to this user; using the driver's own extraction");
        return Optional.empty();
      }
      byte[] library = null;
      byte[] expected = listed(url, known.get(SQLiteJDBCLoader.getVersion() + " " + resource));
      if (expected == null) {
        library = read(url);
        expected = sha256(library);
      }
      if (Files.exists(lib, LinkOption.NOFOLLOW_LINKS)) {
        if (trusted(lib, me) && Arrays.equals(sha256(Files.readAllBytes(lib)), expected)) {
          return Optional.of(lib);
        }
        LOG.warning("the cached SQLite library " + lib + " does not match the driver's; replacing it");
      }
      if (library == null) {
        library = read(url);
        if (!Arrays.equals(sha256(library), expected)) {
          LOG.warning("the driver's SQLite library does not match its listed hash; using the driver's own extraction");
          return Optional.empty();
        }
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

  /** A library of the table: its size and CRC-32 as the jar's directory records them, and its SHA-256. */
  record Known(long size, long crc, byte[] sha256) {}

  /**
   * The table of the libraries in the sqlite-jdbc jar this build ships, from {@code sqlite-natives.txt}
   * (in this jar, so as trusted as this code; SqliteNativeTest checks it against the dependency):
   * {@code "<version> <resource>"} to its entry. Empty when the table is missing or unreadable.
   */
  private static final class Table {
    static final Map<String, Known> KNOWN = load();

    private static Map<String, Known> load() {
      try (InputStream in = SqliteNative.class.getResourceAsStream("sqlite-natives.txt")) {
        return in == null ? Map.of() : parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
      } catch (IOException | RuntimeException e) {
        LOG.fine("no table of SQLite libraries (" + e + "); hashing the driver's copy");
        return Map.of();
      }
    }
  }

  static Map<String, Known> parse(String table) {
    Map<String, Known> known = new HashMap<>();
    for (String line : table.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length == 5 && !f[0].startsWith("#")) {
        known.put(f[0] + " " + f[1], new Known(Long.parseLong(f[2]), Long.parseLong(f[3], 16), HexFormat.of().parseHex(f[4])));
      }
    }
    return Map.copyOf(known);
  }

  /**
   * The listed SHA-256 of the jar's library when the table has it and the jar's directory records the
   * same size and CRC-32 for it (a different library under the same name is then hashed instead);
   * null otherwise. Reads the jar's directory only, not the library.
   */
  private static byte[] listed(URL url, Known known) throws IOException {
    if (known == null || !(url.openConnection() instanceof JarURLConnection jar)) {
      return null;
    }
    jar.setUseCaches(false);
    try (JarFile file = jar.getJarFile()) {
      ZipEntry entry = file.getEntry(jar.getEntryName());
      return entry != null && entry.getSize() == known.size() && entry.getCrc() == known.crc() ? known.sha256().clone() : null;
    }
  }

  private static byte[] read(URL url) throws IOException {
    try (InputStream in = url.openStream()) {
      return in.readAllBytes();
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
